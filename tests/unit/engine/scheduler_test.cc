// Scheduler on simulated time: spread, no drift, no overlap, re-time and removal.
#include "engine/scheduler.h"

#include <algorithm>
#include <map>
#include <set>

#include <gtest/gtest.h>

namespace ninevolt::engine {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kMs = 1'000'000;

TEST(Scheduler, FirstRunsAreSpreadOverTheInterval) {
  Scheduler s;
  const int64_t now = 1000 * kSec;
  const int kChecks = 10'000;
  std::vector<int> buckets(10, 0);  // 10 one-second buckets of a 10 s interval
  for (int i = 0; i < kChecks; ++i) {
    uint32_t slot = s.add("check-" + std::to_string(i), Nanos(10 * kSec), now);
    int64_t offset = s.dueOf(slot) - now;
    ASSERT_GE(offset, 0);
    ASSERT_LT(offset, 10 * kSec);
    buckets[offset / kSec]++;
  }
  for (int b : buckets) {
    // Even within 10%: no thundering herd.
    EXPECT_NEAR(b, kChecks / 10, kChecks / 100) << "bucket";
  }
}

TEST(Scheduler, PhaseIsStableAcrossRestartsAndReloads) {
  Scheduler a;
  Scheduler b;
  uint32_t sa = a.add("web", Nanos(10 * kSec), 5 * kSec);
  uint32_t sb = b.add("web", Nanos(10 * kSec), 123 * kSec + 7);  // "restarted" later
  EXPECT_EQ(a.dueOf(sa) % (10 * kSec), b.dueOf(sb) % (10 * kSec));
  EXPECT_EQ(Scheduler::firstDue("web", Nanos(10 * kSec), 0) % (10 * kSec),
            static_cast<int64_t>(stableHash("web") % (10 * kSec)));
}

TEST(Scheduler, NoDriftOver10000IntervalsDespiteLag) {
  Scheduler s;
  const int64_t iv = 250 * kMs;
  uint32_t slot = s.add("drift", Nanos(iv), 0);
  const int64_t first = s.dueOf(slot);
  int64_t now = 0;
  int runs = 0;
  for (int i = 0; i < 10'000; ++i) {
    now = s.nextWakeup();
    // The loop wakes late by a varying amount (up to 40% of the interval).
    now += (i * 7919 % 100) * iv / 250;
    auto due = s.takeDue(now);
    ASSERT_EQ(due.size(), 1U) << i;
    EXPECT_EQ(due[0].due_ns, first + static_cast<int64_t>(i) * iv) << i;
    s.finished(due[0].slot);
    runs++;
  }
  EXPECT_EQ(runs, 10'000);
  EXPECT_EQ(s.dueOf(slot), first + 10'000 * iv);
  EXPECT_EQ(s.totalSkipped(), 0U);
}

TEST(Scheduler, RunStillInFlightIsNotDoubledButCounted) {
  Scheduler s;
  const int64_t iv = kSec;
  uint32_t slot = s.add("slow", Nanos(iv), 0);
  int64_t t0 = s.dueOf(slot);
  ASSERT_EQ(s.takeDue(t0).size(), 1U);
  EXPECT_TRUE(s.inFlight(slot));
  // Still running at the next two due times: nothing new starts, both are counted.
  EXPECT_TRUE(s.takeDue(t0 + iv).empty());
  EXPECT_TRUE(s.takeDue(t0 + 2 * iv).empty());
  EXPECT_EQ(s.skipped(slot), 2U);
  s.finished(slot);
  auto next = s.takeDue(t0 + 3 * iv);
  ASSERT_EQ(next.size(), 1U);
  EXPECT_EQ(next[0].due_ns, t0 + 3 * iv);  // still on the original grid
}

TEST(Scheduler, StalledLoopSkipsMissedDueTimesInsteadOfBursting) {
  Scheduler s;
  uint32_t slot = s.add("x", Nanos(kSec), 0);
  int64_t t0 = s.dueOf(slot);
  auto due = s.takeDue(t0 + 5 * kSec + 1);  // woke 5 intervals late
  ASSERT_EQ(due.size(), 1U);                // one run, not six
  EXPECT_EQ(s.skipped(slot), 5U);
  EXPECT_EQ(s.dueOf(slot), t0 + 6 * kSec);
}

TEST(Scheduler, RemoveDuringARunAndReAddStartsFresh) {
  Scheduler s;
  uint32_t a = s.add("a", Nanos(kSec), 0);
  uint32_t b = s.add("b", Nanos(kSec), 0);
  int64_t latest = std::max(s.dueOf(a), s.dueOf(b));
  ASSERT_EQ(s.takeDue(latest).size(), 2U);
  s.remove(a);  // while in flight
  EXPECT_EQ(s.size(), 1U);
  for (int64_t t = latest; t < latest + 10 * kSec; t += kSec / 2) {
    for (const auto& d : s.takeDue(t)) {
      EXPECT_EQ(d.slot, b);
      s.finished(d.slot);
    }
  }
  uint32_t again = s.add("a", Nanos(2 * kSec), latest + 10 * kSec);
  EXPECT_FALSE(s.inFlight(again));
  EXPECT_EQ(s.dueOf(again), Scheduler::firstDue("a", Nanos(2 * kSec), latest + 10 * kSec));
}

TEST(Scheduler, IntervalsFromOneMillisecondToDays) {
  Scheduler s;
  uint32_t fast = s.add("fast", Nanos(kMs), 0);
  uint32_t slow = s.add("slow", Nanos(3 * 24 * 3600 * kSec), 0);
  int fast_runs = 0;
  for (int64_t t = 0; t <= kSec; t += kMs) {
    for (const auto& d : s.takeDue(t)) {
      if (d.slot == fast) {
        fast_runs++;
      }
      s.finished(d.slot);
    }
  }
  EXPECT_NEAR(fast_runs, 1000, 1);
  EXPECT_LT(s.dueOf(slow), 3 * 24 * 3600 * kSec);
  EXPECT_EQ(s.nextWakeup(), s.dueOf(fast));
}

TEST(Scheduler, ManyChecksEachRunOncePerInterval) {
  Scheduler s;
  const int64_t iv = 10 * kSec;
  std::map<uint32_t, int> runs;
  for (int i = 0; i < 1000; ++i) {
    s.add("c" + std::to_string(i), Nanos(iv), 0);
  }
  auto take = [&](int64_t t) {
    for (const auto& d : s.takeDue(t)) {
      runs[d.slot]++;
      s.finished(d.slot);
    }
  };
  for (int64_t t = 0; t < 100 * kSec; t += 10 * kMs) {
    take(t);
  }
  take(100 * kSec - 1);  // every due time before 100 s, and none at or after it
  ASSERT_EQ(runs.size(), 1000U);
  for (const auto& [slot, n] : runs) {
    EXPECT_EQ(n, 10) << slot;
  }
}

}  // namespace
}  // namespace ninevolt::engine
