// The incident rules of flapping (alerts/flapping.h): one notice when a check starts
// flapping, its state changes held back meanwhile like a silence's, one notice when it stops,
// then what is still true; a silence over it wins.
#include "alerts/flapping.h"

#include <limits>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "deliveries.h"

namespace ninevolt::alerts {
namespace {

using state::CheckState;
using testing::deliverAll;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::said;

const std::vector<std::string> kWarn{"chat"};
const std::vector<std::string> kCrit{"chat", "pager"};
const common::SystemTime kT0{std::chrono::hours(1)};

IncidentStep change(std::optional<Incident> cur, CheckState from, CheckState to,
                    const std::string& hold = "") {
  ChangeOfState c{"web", from, to, 1, "refused", kT0};
  return applyChange(std::move(cur), c, kWarn, kCrit, "m1", "id1", hold);
}

IncidentStep start(std::optional<Incident> cur, const std::string& silence = "") {
  return startFlapping(std::move(cur), "web", 62.5, flappingAlerters(kWarn, kCrit), "m1", "id1",
                       kT0, silence);
}

TEST(Flapping, AlertersAreTheMonitorsWarningThenCriticalOnesOnce) {
  EXPECT_THAT(flappingAlerters(kWarn, kCrit), ElementsAre("chat", "pager"));
  EXPECT_THAT(flappingAlerters({}, {}), IsEmpty());
}

TEST(Flapping, StartingWhileOkOpensAnIncidentAndTellsEachAlerterOnce) {
  auto s = start(std::nullopt);
  ASSERT_TRUE(s.incident);
  EXPECT_TRUE(s.changed);
  EXPECT_THAT(said(s.deliveries), ElementsAre("chat:flapping", "pager:flapping"));
  EXPECT_EQ(s.deliveries[0].transition_id, "web/id1/flapping/1");
  EXPECT_EQ(followUpOf(s.deliveries[0].transition_id).what, "flapping");
  EXPECT_TRUE(s.incident->resolved());  // it is OK: flapping is no failure
  ASSERT_TRUE(s.incident->flapping);
  EXPECT_DOUBLE_EQ(s.incident->flapping->percent, 62.5);
  EXPECT_FALSE(s.incident->finished());  // kept while it flaps
  // Unsettled notices are the next owner's to send; a start already recorded is not redone.
  EXPECT_EQ(unsettled(*s.incident).size(), 2U);
  auto again = start(s.incident);
  EXPECT_FALSE(again.changed);
  EXPECT_THAT(again.deliveries, IsEmpty());
}

TEST(Flapping, ChangesWhileFlappingAreHeldAndTheIncidentStaysOne) {
  Incident inc = *start(std::nullopt).incident;
  auto fail = change(inc, CheckState::kOk, CheckState::kCritical, kFlappingHold);
  EXPECT_THAT(fail.deliveries, IsEmpty());
  EXPECT_THAT(said(fail.suppressed), ElementsAre("chat:critical", "pager:critical"));
  ASSERT_TRUE(fail.incident);
  EXPECT_EQ(fail.incident->id, inc.id);  // not a new incident
  EXPECT_EQ(fail.incident->alerters.at("pager").suppressed->by, kFlappingHold);
  auto ok = change(fail.incident, CheckState::kCritical, CheckState::kOk, kFlappingHold);
  EXPECT_THAT(ok.deliveries, IsEmpty());
  ASSERT_TRUE(ok.incident);  // nobody was told the failure, but it still flaps: kept
  EXPECT_TRUE(ok.incident->flapping);
  EXPECT_TRUE(ok.incident->alerters.empty());
  EXPECT_EQ(ok.incident->follow_ups.size(), 2U);  // the flapping notices are still true
}

TEST(Flapping, StoppingWhileFailingSaysSoThenAlertsTheFailureOnce) {
  auto s = start(std::nullopt);
  Incident inc = *s.incident;
  deliverAll(inc, s.deliveries);
  inc = *change(inc, CheckState::kOk, CheckState::kCritical, kFlappingHold).incident;
  auto stop = stopFlapping(inc, "m2", kT0 + std::chrono::minutes(1));
  ASSERT_TRUE(stop.incident);
  EXPECT_FALSE(stop.incident->flapping);
  EXPECT_THAT(said(stop.deliveries), ElementsAre("chat:flapping-stopped", "pager:flapping-stopped",
                                                 "chat:critical", "pager:critical"));
  EXPECT_EQ(stop.deliveries[0].transition_id, "web/id1/flapping-stopped/1");
  EXPECT_EQ(stop.incident->owner, "m2");
  EXPECT_FALSE(hasSuppressed(*stop.incident));
}

TEST(Flapping, StoppingWhileOkResolvesWhatWasToldBeforeAndThenEnds) {
  // Critical and told, then it flaps, and stops while OK.
  auto opened = change(std::nullopt, CheckState::kOk, CheckState::kCritical);
  Incident inc = *opened.incident;
  deliverAll(inc, opened.deliveries);
  auto s = start(inc);
  EXPECT_EQ(s.incident->id, "id1");
  inc = *s.incident;
  deliverAll(inc, s.deliveries);
  inc = *change(inc, CheckState::kCritical, CheckState::kOk, kFlappingHold).incident;
  inc = *change(inc, CheckState::kOk, CheckState::kCritical, kFlappingHold).incident;
  EXPECT_EQ(inc.alerters.at("pager").kind, NotificationKind::kCritical);  // told before
  inc = *change(inc, CheckState::kCritical, CheckState::kOk, kFlappingHold).incident;
  auto stop = stopFlapping(inc, "m1", kT0);
  EXPECT_THAT(said(stop.deliveries), ElementsAre("chat:flapping-stopped", "pager:flapping-stopped",
                                                 "chat:resolve", "pager:resolve"));
  ASSERT_TRUE(stop.incident);  // until those are delivered
  Incident done = *stop.incident;
  deliverAll(done, stop.deliveries);
  EXPECT_TRUE(done.finished());
}

TEST(Flapping, StoppingWhileOkWithNothingToldBeforeEndsAfterTheNotice) {
  auto s = start(std::nullopt);
  Incident inc = *s.incident;
  deliverAll(inc, s.deliveries);
  inc = *change(inc, CheckState::kOk, CheckState::kCritical, kFlappingHold).incident;
  inc = *change(inc, CheckState::kCritical, CheckState::kOk, kFlappingHold).incident;
  auto stop = stopFlapping(inc, "m1", kT0);
  EXPECT_THAT(said(stop.deliveries),
              ElementsAre("chat:flapping-stopped", "pager:flapping-stopped"));
  ASSERT_TRUE(stop.incident);
  EXPECT_FALSE(stop.incident->finished());
  Incident done = *stop.incident;
  deliverAll(done, stop.deliveries);
  EXPECT_TRUE(done.finished());
}

TEST(Flapping, ASilenceDropsTheNoticesAndKeepsHoldingTheFailure) {
  auto s = start(std::nullopt, "s1");
  EXPECT_THAT(s.deliveries, IsEmpty());
  EXPECT_EQ(s.dropped, 2);
  ASSERT_TRUE(s.incident->flapping);
  Incident inc = *change(*s.incident, CheckState::kOk, CheckState::kCritical, "s1").incident;
  auto stop = stopFlapping(inc, "m1", kT0, "s1");
  EXPECT_THAT(stop.deliveries, IsEmpty());  // nobody was told it started
  ASSERT_TRUE(stop.incident);
  EXPECT_EQ(stop.incident->alerters.at("pager").suppressed->by, "s1");
  // The silence ends: the failure is sent then.
  auto released = releaseSuppressed(*stop.incident, "m1", kT0);
  EXPECT_THAT(said(released.deliveries), ElementsAre("chat:critical", "pager:critical"));
}

TEST(Flapping, TheNoticeIsDroppedButTheHoldPassesToASilenceThatStartedMeanwhile) {
  auto s = start(std::nullopt);
  Incident inc = *s.incident;
  deliverAll(inc, s.deliveries);
  inc = *change(inc, CheckState::kOk, CheckState::kCritical, kFlappingHold).incident;
  auto stop = stopFlapping(inc, "m1", kT0, "s9");
  EXPECT_THAT(stop.deliveries, IsEmpty());
  EXPECT_EQ(stop.dropped, 2);
  EXPECT_EQ(stop.incident->alerters.at("chat").suppressed->by, "s9");
}

TEST(Flapping, RemindersAndEscalationWaitWhileFlapping) {
  auto opened = change(std::nullopt, CheckState::kOk, CheckState::kCritical);
  Incident inc = *opened.incident;
  deliverAll(inc, opened.deliveries);
  inc = *start(inc).incident;
  FollowUpPolicy policy;
  policy.reminder_interval = std::chrono::minutes(1);
  policy.escalation = {{std::chrono::minutes(5), {"boss"}}};
  auto f = followUp(inc, policy, "m1", kT0 + std::chrono::hours(1), kFlappingHold);
  EXPECT_THAT(f.deliveries, IsEmpty());
  EXPECT_THAT(said(f.suppressed), ElementsAre("boss:critical"));
}

// The engine stopped flapping but the incident never recorded the start (or recorded the
// stop already): what flapping held is released all the same, with no notice.
TEST(Flapping, AStopReleasesWhatFlappingHeldEvenWhenTheIncidentDoesNotSaySo) {
  Incident inc =
      *change(std::nullopt, CheckState::kOk, CheckState::kCritical, kFlappingHold).incident;
  ASSERT_FALSE(inc.flapping);
  auto stop = stopFlapping(inc, "m1", kT0);
  EXPECT_TRUE(stop.changed);
  EXPECT_THAT(said(stop.deliveries), ElementsAre("chat:critical", "pager:critical"));
  // Nothing held and not flapping: nothing to do.
  auto again = stopFlapping(*stop.incident, "m1", kT0);
  EXPECT_FALSE(again.changed);
}

TEST(Flapping, TheCountOfStartsSaturates) {
  Incident inc = *start(std::nullopt).incident;
  inc.flapping.reset();
  inc.flaps = std::numeric_limits<int>::max() - 1;
  auto s = start(inc);
  EXPECT_EQ(s.incident->flaps, std::numeric_limits<int>::max());
  Incident again = *s.incident;
  again.flapping.reset();
  EXPECT_EQ(start(again).incident->flaps, std::numeric_limits<int>::max());
  auto j = s.incident->toJson();
  EXPECT_FALSE(Incident::fromJson(j)) << "read back at most one below the top";
  j["flaps"] = std::numeric_limits<int>::max() - 1;
  EXPECT_TRUE(Incident::fromJson(j));
}

TEST(Flapping, SurvivesEtcdAndRefusesNonsense) {
  Incident inc = *start(std::nullopt).incident;
  auto back = Incident::fromJson(inc.toJson());
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_TRUE(back->flapping);
  EXPECT_DOUBLE_EQ(back->flapping->percent, 62.5);
  EXPECT_EQ(back->flaps, 1);
  EXPECT_EQ(back->follow_ups.at("pager").kind, NotificationKind::kFlapping);
  auto j = inc.toJson();
  j["flapping"]["percent"] = 250;
  EXPECT_FALSE(Incident::fromJson(j));
  j["flapping"] = {{"since", "yesterday"}, {"percent", 50}};
  EXPECT_FALSE(Incident::fromJson(j));
  j = inc.toJson();
  j["flaps"] = -1;
  EXPECT_FALSE(Incident::fromJson(j));
}

}  // namespace
}  // namespace ninevolt::alerts
