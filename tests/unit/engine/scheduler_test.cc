// Scheduler on simulated time: spread, no drift, no overlap, re-time and removal.
#include "engine/scheduler.h"

#include <algorithm>
#include <limits>
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

// A reference for the catch-up: steps through every due time one at a time, as the
// scheduler once did (fine for small lags only).
struct Stepper {
  int64_t due;
  int64_t iv;
  bool in_flight = false;
  uint64_t skipped = 0;
  // Returns the due time that runs, or -1.
  int64_t take(int64_t now) {
    int64_t ran = -1;
    while (due <= now) {
      if (in_flight) {
        skipped++;
      } else {
        in_flight = true;
        ran = due;
      }
      due += iv;
    }
    return ran;
  }
};

TEST(Scheduler, CatchUpCountsExactlyLikeSteppingThroughEveryDueTime) {
  // Lags of zero to many intervals, landing on and between due times, with runs that end
  // at once, late, or several intervals later.
  for (const int64_t iv : {kMs, 7 * kMs, kSec, 10 * kSec}) {
    Scheduler s;
    uint32_t slot = s.add("ref", Nanos(iv), 123);
    Stepper ref{s.dueOf(slot), iv};
    int64_t now = s.dueOf(slot);
    for (int i = 0; i < 2000; ++i) {
      const int64_t step = (i * 7919 % 13) * iv / 4 + (i % 3 == 0 ? 0 : i % 5);
      now += step;
      auto due = s.takeDue(now);
      const int64_t ran = ref.take(now);
      if (ran < 0) {
        ASSERT_TRUE(due.empty()) << "iv " << iv << " step " << i;
      } else {
        ASSERT_EQ(due.size(), 1U) << "iv " << iv << " step " << i;
        ASSERT_EQ(due[0].due_ns, ran) << "iv " << iv << " step " << i;
      }
      ASSERT_EQ(s.skipped(slot), ref.skipped) << "iv " << iv << " step " << i;
      ASSERT_EQ(s.dueOf(slot), ref.due) << "iv " << iv << " step " << i;
      if (i % 4 != 1) {  // some runs stay in flight across wake-ups
        s.finished(slot);
        ref.in_flight = false;
      }
    }
    EXPECT_GT(ref.skipped, 0U);
  }
}

TEST(Scheduler, AOneNanosecondIntervalAndAHugeLagCostOneStep) {
  // Stepping through every missed due time, this wake-up would take 10^15 steps at 1 ns
  // (10^9 at the 1 ms floor): the catch-up is arithmetic, one step per check.
  Scheduler s;
  uint32_t fast = s.add("fast", Nanos(1), 0);
  uint32_t other = s.add("other", Nanos(10 * kSec), 0);
  EXPECT_EQ(Scheduler::effectiveInterval(Nanos(1)), Scheduler::kMinInterval);
  EXPECT_EQ(Scheduler::effectiveInterval(Nanos(0)), Scheduler::kMinInterval);
  EXPECT_EQ(Scheduler::effectiveInterval(Nanos(-5)), Scheduler::kMinInterval);
  const int64_t iv = Scheduler::kMinInterval;
  const int64_t first = s.dueOf(fast);
  const int64_t first_other = s.dueOf(other);
  EXPECT_LT(first, iv);                        // its phase within the floored interval
  const int64_t now = 1'000'000 * kSec + 123;  // ~11.6 days late
  auto due = s.takeDue(now);
  ASSERT_EQ(due.size(), 2U);  // each check once, however late
  for (const auto& d : due) {
    EXPECT_EQ(d.due_ns, d.slot == fast ? first : first_other);  // the earliest due time
  }
  // Every due time in (first, now] skipped and counted; the next is the first one after
  // now, on the check's phase.
  EXPECT_EQ(s.dueOf(fast) % iv, first % iv);
  EXPECT_GT(s.dueOf(fast), now);
  EXPECT_LE(s.dueOf(fast), now + iv);
  EXPECT_EQ(s.skipped(fast), static_cast<uint64_t>((s.dueOf(fast) - first) / iv - 1));
  EXPECT_EQ(s.skipped(fast), 999'999'999U + (first <= 123 ? 1U : 0U));  // 10^15 ns / 1 ms
  EXPECT_EQ(s.skipped(other),
            static_cast<uint64_t>((s.dueOf(other) - first_other) / (10 * kSec) - 1));
  EXPECT_EQ(s.totalSkipped(), s.skipped(fast) + s.skipped(other));
  // Still in flight at the next wake-ups, one interval apart: no run, one skip each.
  const uint64_t before = s.skipped(fast);
  for (int i = 1; i <= 3; ++i) {
    EXPECT_TRUE(s.takeDue(now + i * iv).empty());
    EXPECT_EQ(s.skipped(fast), before + i);
  }
  s.finished(fast);
  s.finished(other);
  auto again = s.takeDue(now + 10 * iv);
  ASSERT_EQ(again.size(), 1U);
  EXPECT_EQ(again[0].slot, fast);
  EXPECT_EQ(again[0].due_ns % iv, first % iv);
}

TEST(Scheduler, AnOverdueArrivalRunsAtOnceThenOnItsPhase) {
  Scheduler s;
  const int64_t iv = 10 * kSec;
  const int64_t now = 5000 * kSec + 1234;
  const int64_t phase_due = Scheduler::firstDue("moved", Nanos(iv), now);
  // Last ran longer than one interval ago (its member died): due now.
  uint32_t late = s.add("moved", Nanos(iv), now, now - iv - 1);
  EXPECT_EQ(s.dueOf(late), now);
  auto due = s.takeDue(now);
  ASSERT_EQ(due.size(), 1U);
  EXPECT_EQ(due[0].due_ns, now);
  s.finished(late);
  // Then on its phase, as if it had never moved: the next due time is the one its old
  // owner would have had, nothing skipped.
  EXPECT_EQ(s.dueOf(late), phase_due == now ? now + iv : phase_due);
  EXPECT_EQ(s.skipped(late), 0U);
  auto next = s.takeDue(s.dueOf(late));
  ASSERT_EQ(next.size(), 1U);
  EXPECT_EQ(next[0].due_ns % iv, phase_due % iv);
}

TEST(Scheduler, AnArrivalThatRanWithinItsIntervalOrIsUnknownWaitsForItsPhase) {
  Scheduler s;
  const int64_t iv = 10 * kSec;
  const int64_t now = 5000 * kSec + 1234;
  const int64_t phase_due = Scheduler::firstDue("moved", Nanos(iv), now);
  EXPECT_EQ(s.dueOf(s.add("moved", Nanos(iv), now, now - iv)), phase_due);  // exactly one
  EXPECT_EQ(s.dueOf(s.add("moved", Nanos(iv), now, now - 1)), phase_due);
  EXPECT_EQ(s.dueOf(s.add("moved", Nanos(iv), now, now + kSec)), phase_due);  // clock skew
  EXPECT_EQ(s.dueOf(s.add("moved", Nanos(iv), now)), phase_due);              // unknown
  // Any value, however far off, is safe.
  EXPECT_EQ(s.dueOf(s.add("moved", Nanos(iv), now, std::numeric_limits<int64_t>::min())), now);
  EXPECT_EQ(s.dueOf(s.add("moved", Nanos(iv), now, std::numeric_limits<int64_t>::max())),
            phase_due);
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
