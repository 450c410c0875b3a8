#include "state/state_machine.h"

#include <gtest/gtest.h>

namespace ninevolt::state {
namespace {

using checks::CheckResult;

TEST(StateMachine, BothThresholdsZeroFirstFailureIsCritical) {
  StateMachine m({0, 0});
  auto t = m.apply(CheckResult::critical("down"));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->from, CheckState::kOk);
  EXPECT_EQ(t->to, CheckState::kCritical);
  EXPECT_EQ(t->count, 1);
  EXPECT_EQ(t->result.message, "down");
  EXPECT_FALSE(m.apply(CheckResult::critical("still down")));  // no repeat
  EXPECT_EQ(m.count(), 2);
  auto r = m.apply(CheckResult::ok());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->from, CheckState::kCritical);
  EXPECT_EQ(r->to, CheckState::kOk);
  EXPECT_EQ(m.count(), 0);
}

TEST(StateMachine, WarningThenCriticalByCount) {
  StateMachine m({2, 4});
  EXPECT_FALSE(m.apply(CheckResult::critical("x")));  // 1: below both
  EXPECT_EQ(m.state(), CheckState::kOk);
  auto w = m.apply(CheckResult::critical("x"));  // 2: warning
  ASSERT_TRUE(w);
  EXPECT_EQ(w->to, CheckState::kWarning);
  EXPECT_FALSE(m.apply(CheckResult::critical("x")));  // 3
  auto c = m.apply(CheckResult::critical("x"));       // 4: critical
  ASSERT_TRUE(c);
  EXPECT_EQ(c->from, CheckState::kWarning);
  EXPECT_EQ(c->to, CheckState::kCritical);
  EXPECT_EQ(c->count, 4);
}

TEST(StateMachine, OkBeforeThresholdResetsCountWithoutTransition) {
  StateMachine m({3, 5});
  m.apply(CheckResult::critical("x"));
  m.apply(CheckResult::critical("x"));
  EXPECT_FALSE(m.apply(CheckResult::ok()));
  EXPECT_EQ(m.count(), 0);
  EXPECT_FALSE(m.apply(CheckResult::critical("x")));
  EXPECT_EQ(m.count(), 1);
}

TEST(StateMachine, WarningLevelResultLeadsAtMostToWarning) {
  StateMachine m({0, 0});
  auto t = m.apply(CheckResult::warning("certificate expires in 2 days"));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, CheckState::kWarning);
  EXPECT_FALSE(m.apply(CheckResult::warning("still")));
  auto c = m.apply(CheckResult::critical("down"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->to, CheckState::kCritical);
  auto back = m.apply(CheckResult::warning("up, cert expiring"));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->from, CheckState::kCritical);
  EXPECT_EQ(back->to, CheckState::kWarning);
}

TEST(StateMachine, UnknownCountsAsAFailure) {
  StateMachine m({1, 2});
  ASSERT_EQ(m.apply(CheckResult::unknown("cannot spawn"))->to, CheckState::kWarning);
  ASSERT_EQ(m.apply(CheckResult::unknown("cannot spawn"))->to, CheckState::kCritical);
}

TEST(StateMachine, SeededStateContinuesTheCount) {
  // Moved from another member at count 2 in WARNING: the next failure reaches critical 3,
  // and a recovery resolves the warning the old owner raised.
  StateMachine m({1, 3}, {CheckState::kWarning, 2});
  auto c = m.apply(CheckResult::critical("x"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->from, CheckState::kWarning);
  EXPECT_EQ(c->to, CheckState::kCritical);
  EXPECT_EQ(c->count, 3);
  StateMachine n({1, 3}, {CheckState::kCritical, 7});
  auto r = n.apply(CheckResult::ok());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->from, CheckState::kCritical);
}

TEST(StateMachine, NamesRoundTrip) {
  for (auto s : {CheckState::kOk, CheckState::kWarning, CheckState::kCritical}) {
    EXPECT_EQ(parseStateName(stateName(s)), s);
  }
  EXPECT_FALSE(parseStateName("bad"));
}

// `confirm` (docs/locations.md): the engine asks before a result would raise the check to
// CRITICAL, and a failure nobody confirmed counts without raising it.
TEST(StateMachine, WouldEnterCriticalOnlyOnTheRunThatRaisesIt) {
  StateMachine m({1, 3});
  EXPECT_FALSE(m.wouldEnterCritical(CheckResult::ok()));
  EXPECT_FALSE(m.wouldEnterCritical(CheckResult::critical("1")));  // -> WARNING
  m.apply(CheckResult::critical("1"));
  m.apply(CheckResult::critical("2"));
  EXPECT_TRUE(m.wouldEnterCritical(CheckResult::critical("3")));
  EXPECT_TRUE(m.wouldEnterCritical(CheckResult::unknown("3")));
  EXPECT_FALSE(m.wouldEnterCritical(CheckResult::warning("3")));  // at most WARNING
  m.apply(CheckResult::critical("3"));
  EXPECT_EQ(m.state(), CheckState::kCritical);
  EXPECT_FALSE(m.wouldEnterCritical(CheckResult::critical("4")));  // already there
}

TEST(StateMachine, AHeldFailureCountsAndDoesNotRaise) {
  StateMachine m({2, 2});
  EXPECT_FALSE(m.apply(CheckResult::critical("1")));  // below both thresholds
  ASSERT_TRUE(m.wouldEnterCritical(CheckResult::critical("2")));
  EXPECT_FALSE(m.applyHeld(CheckResult::critical("2: not confirmed")));
  EXPECT_EQ(m.state(), CheckState::kOk);
  EXPECT_EQ(m.count(), 2);
  // The next failure would raise it again (and is asked about again).
  EXPECT_TRUE(m.wouldEnterCritical(CheckResult::critical("3")));
  auto t = m.apply(CheckResult::critical("3: confirmed"));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, CheckState::kCritical);
  EXPECT_EQ(t->count, 3);
  // Held at WARNING when it was WARNING.
  StateMachine w({1, 2});
  w.apply(CheckResult::critical("1"));
  EXPECT_FALSE(w.applyHeld(CheckResult::critical("2")));
  EXPECT_EQ(w.state(), CheckState::kWarning);
  // An OK result is never held: it recovers.
  EXPECT_TRUE(w.applyHeld(CheckResult::ok()));
  EXPECT_EQ(w.state(), CheckState::kOk);
}

}  // namespace
}  // namespace ninevolt::state
