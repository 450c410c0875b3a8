#include "state/flap.h"

#include <gtest/gtest.h>

#include "state/state_machine.h"

namespace ninevolt::state {
namespace {

using checks::CheckResult;
using namespace std::chrono_literals;

FlapHistory historyOf(std::string_view text) {
  auto h = FlapHistory::parse(text);
  EXPECT_TRUE(h) << text;
  return h.value_or(FlapHistory{});
}

TEST(FlapHistory, PercentWeighsRecentChangesMore) {
  EXPECT_DOUBLE_EQ(historyOf("ooooooooooooooooooooo").percent(), 0);
  EXPECT_DOUBLE_EQ(historyOf("ococococococococococo").percent(), 100);  // every run changed
  // One change, newest (weight 1.25) vs oldest (0.75), over 20 possible changes.
  EXPECT_DOUBLE_EQ(historyOf("ooooooooooooooooooooc").percent(), 1.25 * 100 / 20);
  EXPECT_DOUBLE_EQ(historyOf("cwwwwwwwwwwwwwwwwwwww").percent(), 0.75 * 100 / 20);
  // Ten changes among the newest runs weigh more than ten among the oldest.
  const double recent = historyOf("ooooooooooocococococo").percent();
  const double old = historyOf("cococococoooooooooooo").percent();
  EXPECT_GT(recent, 50);
  EXPECT_LT(old, 50);
  // Warning and critical are different states.
  EXPECT_GT(historyOf("wcwcwcwcwcwcwcwcwcwcw").percent(), 99);
}

TEST(FlapHistory, TextRoundTripsAndParsesUntrustedInput) {
  const std::string text = "oowcccoooowwwcoooocco";
  EXPECT_EQ(historyOf(text).text(), text);
  // Short: padded with its oldest state; long: its newest runs kept.
  EXPECT_EQ(historyOf("co").text(), "cccccccccccccccccccco");
  EXPECT_EQ(historyOf(std::string(30, 'w') + "oc").text(), "wwwwwwwwwwwwwwwwwwwoc");
  EXPECT_FALSE(FlapHistory::parse(""));
  EXPECT_FALSE(FlapHistory::parse("ooox"));
  EXPECT_FALSE(FlapHistory::parse("OK"));
  EXPECT_FALSE(FlapHistory::parse(std::string("o\0c", 3)));
  EXPECT_TRUE(historyOf("wwwww").uniform());
  EXPECT_FALSE(historyOf("wwwwc").uniform());
}

TEST(FlapHistory, HysteresisBetweenLowAndHigh) {
  const FlapLimits limits{true, 25, 50};
  EXPECT_FALSE(flappingAfter(false, 50, limits));  // above high, not at it
  EXPECT_TRUE(flappingAfter(false, 50.5, limits));
  EXPECT_TRUE(flappingAfter(true, 30, limits));  // between: stays as it was
  EXPECT_FALSE(flappingAfter(false, 30, limits));
  EXPECT_TRUE(flappingAfter(true, 25, limits));
  EXPECT_FALSE(flappingAfter(true, 24.9, limits));
  EXPECT_FALSE(flappingAfter(true, 100, {false, 25, 50}));  // disabled ends it
}

// A check that alternates every run starts flapping once, and stays flapping without a
// transition per change of state.
TEST(StateMachineFlapping, StartsOnceThenReportsNoFurtherChange) {
  StateMachine m({0, 0});
  int started = 0, changes = 0, run = 0;
  std::optional<int> started_at;
  for (; run < 40; ++run) {
    auto t = m.apply(run % 2 == 0 ? CheckResult::critical("down") : CheckResult::ok());
    ASSERT_TRUE(t);  // the state changes every run
    changes++;
    if (t->flap == FlapChange::kStarted) {
      started++;
      started_at = run;
      EXPECT_GT(t->flap_percent, 50);
    }
    EXPECT_NE(t->flap, FlapChange::kStopped);
  }
  EXPECT_EQ(started, 1);
  ASSERT_TRUE(started_at);
  // Weights 1.25, 1.224, ... for the newest changes: nine of them sum to 10.30 > 10 (51.5%).
  EXPECT_EQ(*started_at, 8);
  EXPECT_TRUE(m.flapping());
  EXPECT_EQ(changes, 40);
}

TEST(StateMachineFlapping, StopsBelowLowWithTheStateItIsIn) {
  StateMachine m({0, 0});
  for (int run = 0; run < 21; ++run) {
    m.apply(run % 2 == 0 ? CheckResult::critical("down") : CheckResult::ok());
  }
  ASSERT_TRUE(m.flapping());
  std::optional<Transition> stop;
  int runs = 0;
  while (!stop && runs < 30) {
    auto t = m.apply(CheckResult::critical("down for good"));
    runs++;
    if (t && t->flap == FlapChange::kStopped) {
      stop = t;
    }
  }
  ASSERT_TRUE(stop);
  EXPECT_FALSE(stop->stateChanged());  // it stopped while staying critical
  EXPECT_EQ(stop->to, CheckState::kCritical);
  EXPECT_LT(stop->flap_percent, 25);
  EXPECT_FALSE(m.flapping());
  EXPECT_LT(runs, 21);
}

TEST(StateMachineFlapping, ThresholdsAbsorbBlipsAndDisabledNeverFlaps) {
  // Warning and critical after 3: alternating results never leave OK, so never flap.
  StateMachine m({3, 3});
  for (int run = 0; run < 40; ++run) {
    EXPECT_FALSE(m.apply(run % 2 == 0 ? CheckResult::critical("blip") : CheckResult::ok()));
  }
  StateMachine off({0, 0}, {}, FlapLimits{false, 25, 50});
  for (int run = 0; run < 40; ++run) {
    auto t = off.apply(run % 2 == 0 ? CheckResult::critical("down") : CheckResult::ok());
    ASSERT_TRUE(t);
    EXPECT_EQ(t->flap, FlapChange::kNone);
  }
  // Turned off while flapping: it stops with the next run.
  StateMachine on({0, 0});
  for (int run = 0; run < 21; ++run) {
    on.apply(run % 2 == 0 ? CheckResult::critical("down") : CheckResult::ok());
  }
  ASSERT_TRUE(on.flapping());
  on.setFlapLimits({false, 25, 50});
  auto t = on.apply(CheckResult::critical("down"));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->flap, FlapChange::kStopped);
}

TEST(StateMachineFlapping, SeedCarriesHistoryAndFlappingOnAfterTheGap) {
  StateMachine a({0, 0});
  for (int run = 0; run < 21; ++run) {
    a.apply(run % 2 == 0 ? CheckResult::critical("down") : CheckResult::ok());
  }
  ASSERT_TRUE(a.flapping());
  const auto t0 = common::SystemTime{} + 1000h;
  Seed seed{a.state(), a.count(), a.history(), t0, a.flapping()};
  // Moved a run later: still flapping, and its next change is no new start.
  StateMachine b({0, 0}, seedAsOf(seed, t0 + 10s, 10s));
  EXPECT_TRUE(b.flapping());
  auto t = b.apply(a.state() == CheckState::kOk ? CheckResult::critical("x") : CheckResult::ok());
  ASSERT_TRUE(t);
  EXPECT_EQ(t->flap, FlapChange::kNone);
  // Runs since history_at count as runs in the seed's state: after a long gap it is steady.
  const Seed aged = seedAsOf(seed, t0 + 1h, 10s);
  EXPECT_DOUBLE_EQ(aged.history->percent(), 0);
  EXPECT_EQ(aged.history->at(0), seed.state);
  // A seed without history: steady in its state.
  StateMachine c({0, 0}, Seed{CheckState::kCritical, 4});
  EXPECT_DOUBLE_EQ(c.history().percent(), 0);
  EXPECT_EQ(c.history().at(20), CheckState::kCritical);
}

}  // namespace
}  // namespace ninevolt::state
