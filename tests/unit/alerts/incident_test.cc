// The incident rules: what is sent on each change, what a new owner sends, when an
// incident is finished.
#include "alerts/incident.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "alerts/backoff.h"

namespace ninevolt::alerts {
namespace {

using state::CheckState;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;

const std::vector<std::string> kWarn{"chat"};
const std::vector<std::string> kCrit{"chat", "pager"};

ChangeOfState change(CheckState from, CheckState to, int count) {
  return {"web", from, to, count, "connection refused", common::SystemTime(std::chrono::hours(1))};
}

IncidentStep apply(std::optional<Incident> cur, CheckState from, CheckState to, int count,
                   const std::string& member = "m1") {
  return applyChange(std::move(cur), change(from, to, count), kWarn, kCrit, member, "id1");
}

std::vector<std::string> alertersOf(const IncidentStep& s) {
  std::vector<std::string> out;
  for (const auto& d : s.deliveries) {
    out.push_back(d.alerter + ":" + notificationKindName(d.kind));
  }
  return out;
}

TEST(Incident, CriticalOpensAnIncidentAndTellsTheCriticalAlerters) {
  auto s = apply(std::nullopt, CheckState::kOk, CheckState::kCritical, 3);
  ASSERT_TRUE(s.incident);
  EXPECT_TRUE(s.changed);
  EXPECT_THAT(alertersOf(s), ElementsAre("chat:critical", "pager:critical"));
  EXPECT_EQ(s.incident->status, CheckState::kCritical);
  EXPECT_EQ(s.incident->count, 3);
  EXPECT_EQ(s.incident->owner, "m1");
  EXPECT_EQ(s.deliveries[0].transition_id, "web/id1/1");
  EXPECT_EQ(s.deliveries[0].previous_status, "ok");
  EXPECT_FALSE(s.incident->alerters.at("pager").settled());
}

TEST(Incident, EscalationTellsOnlyWhatIsNewAndKeepsTheIncident) {
  auto w = apply(std::nullopt, CheckState::kOk, CheckState::kWarning, 1);
  EXPECT_THAT(alertersOf(w), ElementsAre("chat:warning"));
  auto c = apply(w.incident, CheckState::kWarning, CheckState::kCritical, 3);
  EXPECT_THAT(alertersOf(c), ElementsAre("chat:critical", "pager:critical"));
  EXPECT_EQ(c.incident->id, w.incident->id);
  EXPECT_EQ(c.deliveries[0].transition_id, "web/id1/2");
  EXPECT_EQ(c.deliveries[0].previous_status, "warning");
}

TEST(Incident, ReenteringAStateAlreadyAlertedSendsNothing) {
  // A new owner whose seed was stale counts again and enters CRITICAL a second time.
  auto first = apply(std::nullopt, CheckState::kOk, CheckState::kCritical, 3);
  auto again = apply(first.incident, CheckState::kOk, CheckState::kCritical, 3, "m2");
  EXPECT_THAT(again.deliveries, IsEmpty());
  EXPECT_EQ(again.incident->owner, "m2");
}

TEST(Incident, RecoveryResolvesEveryAlerterToldAnything) {
  auto w = apply(std::nullopt, CheckState::kOk, CheckState::kWarning, 1);
  auto r = apply(w.incident, CheckState::kWarning, CheckState::kOk, 0);
  EXPECT_THAT(alertersOf(r), ElementsAre("chat:resolve"));  // pager never heard of it
  ASSERT_TRUE(r.incident);
  EXPECT_TRUE(r.incident->resolved());
  EXPECT_EQ(r.incident->last_failing, CheckState::kWarning);
  EXPECT_EQ(r.incident->count, 1);  // "recovered ... after 1 checks"
  EXPECT_FALSE(r.incident->finished());
  EXPECT_TRUE(recordOutcome(*r.incident, "chat", r.deliveries[0].transition_id, true));
  EXPECT_TRUE(r.incident->finished());
}

TEST(Incident, RecoveryWithNothingOpenOrNobodyToldIsQuiet) {
  auto none = apply(std::nullopt, CheckState::kCritical, CheckState::kOk, 0);
  EXPECT_FALSE(none.changed);
  EXPECT_THAT(none.deliveries, IsEmpty());
  auto silent = applyChange(std::nullopt, change(CheckState::kOk, CheckState::kCritical, 1), {}, {},
                            "m1", "id1");
  ASSERT_TRUE(silent.incident);
  auto r = apply(silent.incident, CheckState::kCritical, CheckState::kOk, 0);
  EXPECT_TRUE(r.changed);
  EXPECT_FALSE(r.incident);  // deleted
  EXPECT_THAT(r.deliveries, IsEmpty());
}

TEST(Incident, ALateOutcomeOfAnOlderTransitionChangesNothing) {
  auto c = apply(std::nullopt, CheckState::kOk, CheckState::kCritical, 3);
  const std::string old_tid = c.deliveries[0].transition_id;
  auto r = apply(c.incident, CheckState::kCritical, CheckState::kOk, 0);
  Incident inc = *r.incident;
  EXPECT_FALSE(recordOutcome(inc, "chat", old_tid, true));
  EXPECT_FALSE(inc.alerters.at("chat").settled());
  EXPECT_FALSE(recordOutcome(inc, "nobody", r.deliveries[0].transition_id, true));
}

TEST(Incident, UnsettledIsWhatANewOwnerSendsAgainWithTheSameIds) {
  auto c = apply(std::nullopt, CheckState::kOk, CheckState::kCritical, 3);
  Incident inc = *c.incident;
  recordOutcome(inc, "chat", c.deliveries[0].transition_id, true);
  auto pending = unsettled(inc);
  ASSERT_EQ(pending.size(), 1U);
  EXPECT_EQ(pending[0].alerter, "pager");
  EXPECT_EQ(pending[0].transition_id, c.deliveries[1].transition_id);
  recordOutcome(inc, "pager", c.deliveries[1].transition_id, false);  // given up
  EXPECT_THAT(unsettled(inc), IsEmpty());
}

TEST(Incident, ResolvedLeftoverIsReplacedByANewIncident) {
  auto c = apply(std::nullopt, CheckState::kOk, CheckState::kCritical, 3);
  auto r = apply(c.incident, CheckState::kCritical, CheckState::kOk, 0);
  auto again = applyChange(r.incident, change(CheckState::kOk, CheckState::kCritical, 1), kWarn,
                           kCrit, "m1", "id2");
  EXPECT_EQ(again.incident->id, "id2");
  EXPECT_EQ(again.incident->seq, 1);
  EXPECT_THAT(alertersOf(again), ElementsAre("chat:critical", "pager:critical"));
}

TEST(Incident, JsonRoundTrip) {
  auto c = apply(std::nullopt, CheckState::kOk, CheckState::kCritical, 3);
  recordOutcome(*c.incident, "chat", c.deliveries[0].transition_id, true);
  auto back = Incident::fromJson(c.incident->toJson());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->toJson(), c.incident->toJson());
  EXPECT_EQ(c.incident->toJson()["status"], "critical");
  EXPECT_EQ(c.incident->toJson()["resolved"], false);
  EXPECT_FALSE(Incident::fromJson(nlohmann::json{{"check", "x"}}));
  auto bad = c.incident->toJson();
  bad["alerters"]["chat"]["kind"] = "loud";
  EXPECT_FALSE(Incident::fromJson(bad));
}

TEST(Backoff, GrowsToTheCapWithJitterWithinHalf) {
  using std::chrono::milliseconds;
  EXPECT_EQ(backoffDelay(1, milliseconds(1000), milliseconds(60000), 0.0), milliseconds(500));
  EXPECT_EQ(backoffDelay(1, milliseconds(1000), milliseconds(60000), 1.0), milliseconds(1000));
  EXPECT_EQ(backoffDelay(3, milliseconds(1000), milliseconds(60000), 0.0), milliseconds(2000));
  EXPECT_EQ(backoffDelay(30, milliseconds(1000), milliseconds(60000), 0.5), milliseconds(45000));
  EXPECT_EQ(backoffDelay(1000, milliseconds(1000), milliseconds(60000), 1.0), milliseconds(60000));
}

}  // namespace
}  // namespace ninevolt::alerts
