// The follow-up rules of an open incident (incident.h followUp, nextFollowUp): ack
// announcements, escalation steps and reminders, each under its own transition id, each
// once; none while acknowledged; dropped (reminders, acks) or held (escalation) while
// silenced; nothing after the incident resolves.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "alerts/incident.h"

namespace ninevolt::alerts {
namespace {

using state::CheckState;
using std::chrono::hours;
using std::chrono::minutes;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const common::SystemTime kOpened{hours(100)};
common::SystemTime at(common::Nanos after) {
  return kOpened + std::chrono::duration_cast<common::SystemTime::duration>(after);
}

// "web" critical since kOpened, "chat" and "pager" told (and delivered).
Incident openIncident() {
  ChangeOfState c{"web", CheckState::kOk, CheckState::kCritical, 3, "refused", kOpened};
  auto s = applyChange(std::nullopt, c, {"chat"}, {"chat", "pager"}, "m1", "id1");
  for (const auto& d : s.deliveries) {
    EXPECT_TRUE(recordOutcome(*s.incident, d.alerter, d.transition_id, true));
  }
  return *s.incident;
}

FollowUpPolicy remindEvery(common::Nanos every) {
  FollowUpPolicy p;
  p.reminder_interval = every;
  return p;
}

std::vector<std::string> said(const std::vector<Delivery>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) {
    out.push_back(d.alerter + ":" + notificationKindName(d.kind) + ":" + d.transition_id);
  }
  return out;
}

TEST(FollowUp, RemindersComeEveryIntervalEachWithItsOwnId) {
  const auto policy = remindEvery(minutes(30));
  Incident inc = openIncident();
  EXPECT_EQ(nextFollowUp(inc, policy, at(minutes(1))), at(minutes(30)));
  auto early = followUp(inc, policy, "m1", at(minutes(29)));
  EXPECT_FALSE(early.changed);
  EXPECT_THAT(early.deliveries, IsEmpty());

  auto first = followUp(inc, policy, "m1", at(minutes(30)));
  EXPECT_TRUE(first.changed);
  EXPECT_THAT(said(first.deliveries),
              ElementsAre("chat:reminder:web/id1/reminder/1", "pager:reminder:web/id1/reminder/1"));
  inc = *first.incident;
  // Once: asked again at the same time, nothing.
  EXPECT_FALSE(followUp(inc, policy, "m1", at(minutes(30))).changed);
  // A new owner re-sends an undelivered reminder under the same id.
  EXPECT_THAT(said(unsettled(inc)),
              ElementsAre("chat:reminder:web/id1/reminder/1", "pager:reminder:web/id1/reminder/1"));
  // While a reminder is still being delivered (a receiver down, retried), no next one is
  // recorded behind it: the receiver gets one when it is back, not a queue.
  EXPECT_EQ(nextFollowUp(inc, policy, at(hours(3))), std::nullopt);
  EXPECT_FALSE(followUp(inc, policy, "m1", at(hours(3))).changed);
  ASSERT_TRUE(recordOutcome(inc, "chat", "web/id1/reminder/1", true));
  ASSERT_TRUE(recordOutcome(inc, "pager", "web/id1/reminder/1", false));  // given up: settled
  EXPECT_THAT(unsettled(inc), IsEmpty());
  EXPECT_EQ(nextFollowUp(inc, policy, at(minutes(30))), at(minutes(60)));
  // The state notification is still what the alerter was told (a resolve follows it).
  EXPECT_EQ(inc.alerters.at("pager").kind, NotificationKind::kCritical);

  auto second = followUp(inc, policy, "m1", at(minutes(61)));
  EXPECT_THAT(said(second.deliveries),
              ElementsAre("chat:reminder:web/id1/reminder/2", "pager:reminder:web/id1/reminder/2"));
}

TEST(FollowUp, RemindersMissedWhileNoMemberRanTheCheckAreOneReminder) {
  const auto policy = remindEvery(minutes(10));
  auto s = followUp(openIncident(), policy, "m1", at(hours(5)));
  EXPECT_THAT(said(s.deliveries),
              ElementsAre("chat:reminder:web/id1/reminder/1", "pager:reminder:web/id1/reminder/1"));
  Incident inc = *s.incident;
  for (const auto& d : s.deliveries) {
    ASSERT_TRUE(recordOutcome(inc, d.alerter, d.transition_id, true));
  }
  EXPECT_EQ(nextFollowUp(inc, policy, at(hours(5))), at(hours(5) + minutes(10)));
}

TEST(FollowUp, AnAlertersOwnIntervalAppliesWhenTheMonitorSetsNone) {
  FollowUpPolicy policy;
  policy.alerter_reminders = {{"pager", minutes(15)}};
  auto s = followUp(openIncident(), policy, "m1", at(minutes(15)));
  EXPECT_THAT(said(s.deliveries), ElementsAre("pager:reminder:web/id1/reminder/1"));
  // The monitor's wins over the alerter's.
  policy.reminder_interval = hours(1);
  EXPECT_FALSE(followUp(openIncident(), policy, "m1", at(minutes(15))).changed);
}

TEST(FollowUp, NothingWithoutRemindersOrEscalation) {
  EXPECT_FALSE(followUp(openIncident(), {}, "m1", at(hours(1000))).changed);
  EXPECT_EQ(nextFollowUp(openIncident(), {}, at(hours(1))), std::nullopt);
}

TEST(FollowUp, EscalationStepsFireOnceInOrderToAlertersNotToldYet) {
  FollowUpPolicy policy;
  policy.escalation = {{minutes(15), {"lead", "pager"}}, {hours(1), {"boss"}}};
  Incident inc = openIncident();
  EXPECT_EQ(nextFollowUp(inc, policy, at(minutes(1))), at(minutes(15)));
  auto s = followUp(inc, policy, "m1", at(minutes(15)));
  // "pager" knows already: only "lead" is told, the current failure.
  EXPECT_THAT(said(s.deliveries), ElementsAre("lead:critical:web/id1/escalation/15m"));
  inc = *s.incident;
  EXPECT_EQ(inc.escalated, minutes(15));
  EXPECT_FALSE(followUp(inc, policy, "m1", at(minutes(20))).changed);
  EXPECT_EQ(nextFollowUp(inc, policy, at(minutes(20))), at(hours(1)));
  s = followUp(inc, policy, "m1", at(hours(2)));
  EXPECT_THAT(said(s.deliveries), ElementsAre("boss:critical:web/id1/escalation/1h"));
  inc = *s.incident;
  EXPECT_EQ(nextFollowUp(inc, policy, at(hours(2))), std::nullopt);
  // Whoever an escalation told gets the resolve.
  ChangeOfState ok{"web", CheckState::kCritical, CheckState::kOk, 3, "", at(hours(3))};
  auto resolved = applyChange(inc, ok, {"chat"}, {"chat", "pager"}, "m1", "x");
  std::vector<std::string> to;
  for (const auto& d : resolved.deliveries) {
    to.push_back(d.alerter);
  }
  EXPECT_THAT(to, ElementsAre("boss", "chat", "lead", "pager"));
}

TEST(FollowUp, EditingTheStepsMidIncidentNeitherSkipsNorRepeatsOne) {
  FollowUpPolicy policy;
  policy.escalation = {{minutes(15), {"lead"}}, {hours(1), {"boss"}}};
  Incident inc = *followUp(openIncident(), policy, "m1", at(minutes(20))).incident;
  ASSERT_EQ(inc.escalated, minutes(15));
  // The fired step is deleted: the 1h step still fires, at 1h.
  FollowUpPolicy fewer;
  fewer.escalation = {{hours(1), {"boss"}}};
  EXPECT_EQ(nextFollowUp(inc, fewer, at(minutes(20))), at(hours(1)));
  EXPECT_THAT(said(followUp(inc, fewer, "m1", at(hours(1))).deliveries),
              ElementsAre("boss:critical:web/id1/escalation/1h"));
  // A step is added before the fired one: it is not fired late, nor the fired one again.
  FollowUpPolicy more;
  more.escalation = {{minutes(5), {"early"}}, {minutes(15), {"lead"}}, {hours(1), {"boss"}}};
  EXPECT_THAT(followUp(inc, more, "m1", at(minutes(30))).deliveries, IsEmpty());
}

TEST(FollowUp, StepsDueTogetherFireTogetherEachWithItsId) {
  FollowUpPolicy policy;
  policy.escalation = {{minutes(15), {"lead"}}, {hours(1), {"boss"}}};
  auto s = followUp(openIncident(), policy, "m1", at(hours(3)));
  EXPECT_THAT(said(s.deliveries), ElementsAre("lead:critical:web/id1/escalation/15m",
                                              "boss:critical:web/id1/escalation/1h"));
  EXPECT_EQ(s.incident->escalated, hours(1));
}

TEST(FollowUp, AnAckIsAnnouncedOnceAndStopsRemindersAndEscalation) {
  FollowUpPolicy policy = remindEvery(minutes(30));
  policy.escalation = {{minutes(15), {"lead"}}};
  Incident inc = openIncident();
  inc.ack = Ack{"alice", "on it", at(minutes(5)), std::nullopt, 1, false};
  EXPECT_EQ(nextFollowUp(inc, policy, at(minutes(5))), at(minutes(5)));  // announce now
  auto s = followUp(inc, policy, "m1", at(minutes(5)));
  EXPECT_THAT(said(s.deliveries), ElementsAre("chat:ack:web/id1/ack/1", "pager:ack:web/id1/ack/1"));
  inc = *s.incident;
  EXPECT_TRUE(inc.ack->announced);
  EXPECT_EQ(nextFollowUp(inc, policy, at(minutes(5))), std::nullopt);
  EXPECT_FALSE(followUp(inc, policy, "m1", at(hours(10))).changed);
  // A resolve still goes out, and ends the ack.
  ChangeOfState ok{"web", CheckState::kCritical, CheckState::kOk, 3, "", at(hours(11))};
  auto resolved = applyChange(inc, ok, {"chat"}, {"chat", "pager"}, "m1", "x");
  EXPECT_EQ(resolved.deliveries.size(), 2u);
  EXPECT_FALSE(resolved.incident->ack);
  EXPECT_TRUE(resolved.incident->follow_ups.empty());
}

TEST(FollowUp, WhenAnAckExpiresRemindersAndOverdueStepsGoOn) {
  FollowUpPolicy policy = remindEvery(minutes(30));
  policy.escalation = {{minutes(15), {"lead"}}};
  Incident inc = openIncident();
  inc.ack = Ack{"alice", "", at(minutes(1)), at(hours(2)), 1, true};
  EXPECT_EQ(nextFollowUp(inc, policy, at(minutes(20))), at(hours(2)));
  EXPECT_FALSE(followUp(inc, policy, "m1", at(minutes(20))).changed);
  auto s = followUp(inc, policy, "m1", at(hours(2)));
  EXPECT_THAT(said(s.deliveries),
              ElementsAre("lead:critical:web/id1/escalation/15m",
                          "chat:reminder:web/id1/reminder/1", "pager:reminder:web/id1/reminder/1"));
}

TEST(FollowUp, AnAckExpiredBeforeItWasAnnouncedIsNotAnnounced) {
  Incident inc = openIncident();
  inc.ack = Ack{"alice", "", at(minutes(1)), at(minutes(2)), 1, false};
  auto s = followUp(inc, {}, "m1", at(minutes(3)));
  EXPECT_TRUE(s.changed);
  EXPECT_THAT(s.deliveries, IsEmpty());
  EXPECT_TRUE(s.incident->ack->announced);
}

TEST(FollowUp, UnderASilenceRemindersAndAcksAreDroppedAndStepsHeld) {
  FollowUpPolicy policy = remindEvery(minutes(30));
  policy.escalation = {{minutes(15), {"lead"}}};
  Incident inc = openIncident();
  auto s = followUp(inc, policy, "m1", at(hours(1)), "s1");
  EXPECT_THAT(s.deliveries, IsEmpty());
  EXPECT_EQ(s.dropped, 2);  // the two reminders
  EXPECT_THAT(said(s.suppressed), ElementsAre("lead:critical:web/id1/escalation/15m"));
  inc = *s.incident;
  EXPECT_EQ(inc.alerters.at("chat").reminders, 1);  // counted: the next one is in 30m
  // When the silence ends, the held step is sent once under its id.
  auto released = releaseSuppressed(inc, "m1", at(hours(2)));
  EXPECT_THAT(said(released.deliveries), ElementsAre("lead:critical:web/id1/escalation/15m"));

  Incident acked = openIncident();
  acked.ack = Ack{"alice", "", at(minutes(1)), std::nullopt, 1, false};
  auto a = followUp(acked, policy, "m1", at(minutes(2)), "s1");
  EXPECT_THAT(a.deliveries, IsEmpty());
  EXPECT_EQ(a.dropped, 2);
  EXPECT_TRUE(a.incident->ack->announced);
}

TEST(FollowUp, AResolvedIncidentHasNoFollowUps) {
  Incident inc = openIncident();
  ChangeOfState ok{"web", CheckState::kCritical, CheckState::kOk, 3, "", at(minutes(1))};
  inc = *applyChange(inc, ok, {"chat"}, {"chat", "pager"}, "m1", "x").incident;
  EXPECT_FALSE(followUp(inc, remindEvery(minutes(1)), "m1", at(hours(1))).changed);
  EXPECT_EQ(nextFollowUp(inc, remindEvery(minutes(1)), at(hours(1))), std::nullopt);
}

TEST(FollowUp, ReminderCountsSurviveAWorseningSoIdsStayUnique) {
  const auto policy = remindEvery(minutes(10));
  ChangeOfState warn{"web", CheckState::kOk, CheckState::kWarning, 2, "slow", kOpened};
  auto s = applyChange(std::nullopt, warn, {"chat"}, {"chat"}, "m1", "id1");
  s = followUp(*s.incident, policy, "m1", at(minutes(10)));
  EXPECT_THAT(said(s.deliveries), ElementsAre("chat:reminder:web/id1/reminder/1"));
  ASSERT_TRUE(recordOutcome(*s.incident, "chat", "web/id1/reminder/1", true));
  ChangeOfState crit{"web",  CheckState::kWarning, CheckState::kCritical, 3,
                     "down", at(minutes(11))};
  s = applyChange(*s.incident, crit, {"chat"}, {"chat"}, "m1", "x");
  EXPECT_THAT(said(s.deliveries), ElementsAre("chat:critical:web/id1/2"));
  // Ten minutes after the critical alert, not after the reminder: the next is /2.
  EXPECT_FALSE(followUp(*s.incident, policy, "m1", at(minutes(20))).changed);
  s = followUp(*s.incident, policy, "m1", at(minutes(21)));
  EXPECT_THAT(said(s.deliveries), ElementsAre("chat:reminder:web/id1/reminder/2"));
}

TEST(FollowUp, TheIncidentKeepsFollowUpsAndAcksThroughEtcd) {
  FollowUpPolicy policy = remindEvery(minutes(30));
  policy.escalation = {{minutes(15), {"lead"}}};
  Incident inc = *followUp(openIncident(), policy, "m1", at(hours(1))).incident;
  inc.ack = Ack{"alice", "on it", at(hours(1)), at(hours(3)), 2, true};
  auto back = Incident::fromJson(inc.toJson());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->toJson(), inc.toJson());
  EXPECT_EQ(back->escalated, minutes(15));
  EXPECT_EQ(back->alerters.at("chat").reminders, 1);
  EXPECT_EQ(back->follow_ups.at("pager").transition_id, "web/id1/reminder/1");
  EXPECT_EQ(back->ack->n, 2);
  EXPECT_EQ(back->ack->expires, at(hours(3)));
  // Untrusted: a follow-up of an unknown kind, or an ack without a time, is refused whole.
  auto j = inc.toJson();
  j["follow_ups"]["pager"]["kind"] = "page-everyone";
  EXPECT_FALSE(Incident::fromJson(j));
  j = inc.toJson();
  j["ack"].erase("at");
  EXPECT_FALSE(Incident::fromJson(j));
  j = inc.toJson();
  j["escalated"] = -1;
  EXPECT_FALSE(Incident::fromJson(j));
}

TEST(FollowUp, TransitionIdsSayWhatAFollowUpIs) {
  EXPECT_EQ(followUpOf("web/1-m1/reminder/3").what, "reminder");
  EXPECT_EQ(followUpOf("web/1-m1/reminder/3").n, 3);
  EXPECT_EQ(followUpOf("web/1-m1/escalation/15m").what, "escalation");
  EXPECT_EQ(followUpOf("web/1-m1/escalation/15m").arg, "15m");
  EXPECT_EQ(followUpOf("web/1-m1/escalation/").what, "");
  EXPECT_EQ(followUpOf("web/1-m1/ack/1").what, "ack");
  EXPECT_EQ(followUpOf("web/1-m1/7").what, "");
  EXPECT_EQ(followUpOf("web/1-m1/reminder/x").what, "");
  EXPECT_EQ(followUpOf("reminder/3").what, "");
  EXPECT_EQ(followUpOf("").what, "");
  EXPECT_EQ(followUpOf("/").what, "");
}

}  // namespace
}  // namespace ninevolt::alerts

namespace ninevolt::alerts {
namespace {

// An alerter whose failure an alert storm's digest carried (alerts/storm.h) gets no reminder
// and no ack announcement of its own; its resolve stays marked for the same storm.
TEST(FollowUp, AnAlerterToldByAStormDigestGetsNoRemindersNorAckAnnouncements) {
  ChangeOfState c{"web", CheckState::kOk, CheckState::kCritical, 3, "refused", kOpened};
  auto s = applyChange(std::nullopt, c, {"chat"}, {"chat", "pager"}, "m1", "id1");
  ASSERT_TRUE(recordOutcome(*s.incident, "chat", s.deliveries[0].transition_id, true, "4"));
  ASSERT_TRUE(recordOutcome(*s.incident, "pager", s.deliveries[1].transition_id, true));
  Incident inc = *s.incident;
  EXPECT_EQ(inc.alerters.at("chat").digest, "4");
  EXPECT_EQ(inc.alerters.at("pager").digest, "");
  auto back = Incident::fromJson(inc.toJson());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->alerters.at("chat").digest, "4");

  auto reminded = followUp(inc, remindEvery(minutes(30)), "m1", at(minutes(30)));
  EXPECT_THAT(said(reminded.deliveries), ElementsAre("pager:reminder:web/id1/reminder/1"));
  inc.ack = Ack{"ann", "on it", at(minutes(1)), std::nullopt, 1, false};
  auto acked = followUp(inc, FollowUpPolicy{}, "m1", at(minutes(2)));
  EXPECT_THAT(said(acked.deliveries), ElementsAre("pager:ack:web/id1/ack/1"));

  ChangeOfState ok{"web", CheckState::kCritical, CheckState::kOk, 1, "", at(minutes(3))};
  auto resolved = applyChange(inc, ok, {"chat"}, {"chat", "pager"}, "m1", "id2");
  EXPECT_EQ(resolved.incident->alerters.at("chat").digest, "4");  // where its resolve goes
  EXPECT_EQ(resolved.incident->alerters.at("pager").digest, "");

  auto bad = inc.toJson();
  bad["alerters"]["chat"]["digest"] = "../1";
  EXPECT_FALSE(Incident::fromJson(bad));
  bad = inc.toJson();
  bad["alerters"]["chat"]["kind"] = "digest";  // no check's notification
  EXPECT_FALSE(Incident::fromJson(bad));

  // pager was told on its own: marked so, and its next level keeps the mark.
  EXPECT_TRUE(inc.alerters.at("pager").alone);
  EXPECT_FALSE(inc.alerters.at("chat").alone);
  EXPECT_TRUE(resolved.incident->alerters.at("pager").alone);
  EXPECT_TRUE(Incident::fromJson(inc.toJson())->alerters.at("pager").alone);
}

}  // namespace
}  // namespace ninevolt::alerts
