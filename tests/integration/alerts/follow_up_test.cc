// Reminders, escalation and acknowledgements in the dispatcher, against a real etcd: each
// follow-up is written to the incident under its own transition id before it is sent, sent
// once, and stops when the incident is acknowledged or resolved; an ack written through the
// store (as the API writes it) reaches the owner through its doorbell and is announced once;
// a new owner goes on from where the old one was, without repeating anything.
#include "alerts/ack_link.h"
#include "integration/alerts/dispatcher_fixture.h"

namespace ninevolt::alerts {
namespace {

using namespace std::chrono_literals;
using ninevolt::testing::eventually;
using state::CheckState;

class FollowUpTest : public DispatcherTest {
 protected:
  void SetUp() override {
    DispatcherTest::SetUp();
    putJson(store_->keys().alerter("boss"),
            {{"type", "webhook"}, {"options", {{"url", "http://127.0.0.1:1/"}}}});
  }
  // "web" with reminders every `every` and the given escalation steps (shorter than a config
  // may say: the bounds are config's, tested there).
  void followedUp(common::Nanos every, std::vector<config::EscalationStep> steps = {}) {
    setMonitor("web",
               {{"type", "http"},
                {"host", "127.0.0.1"},
                {"interval", "10s"},
                {"warning-alerter", {"chat"}},
                {"critical-alerter", {"chat", "pager"}}},
               [&](config::MonitorSpec& s) {
                 if (every.count() > 0) {
                   s.reminder_interval = every;
                 }
                 s.escalation = steps;
               });
  }
  std::vector<std::string> ids(const std::string& alerter, NotificationKind kind) {
    std::lock_guard lock(world_->mu);
    std::vector<std::string> out;
    for (const auto& s : world_->sent) {
      if (s.alerter == alerter && s.n.kind == kind) {
        out.push_back(s.n.transition_id);
      }
    }
    return out;
  }
  bool allRecordedBefore() {
    std::lock_guard lock(world_->mu);
    return std::all_of(world_->sent.begin(), world_->sent.end(),
                       [](const Sent& s) { return s.recorded_before; });
  }
  std::optional<store::Incident> incident(const std::string& check) {
    auto r = store::IncidentStore(store_).load(check);
    return r ? r->incident : std::nullopt;
  }
};

TEST_F(FollowUpTest, RemindersRepeatWhileFailingEachOnceAndStopOnRecovery) {
  followedUp(400ms);
  auto& d = start("m1");
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 3));
  ASSERT_TRUE(
      eventually([&] { return world_->count("pager", NotificationKind::kReminder) >= 3; }, 10s));
  d.onTransition("web", change(CheckState::kCritical, CheckState::kOk, 0));
  ASSERT_TRUE(eventually([&] { return world_->count("pager", NotificationKind::kResolve) == 1; }));
  ASSERT_TRUE(eventually([&] { return !incidentExists("web"); }));
  const size_t reminders = world_->count("pager", NotificationKind::kReminder);
  std::this_thread::sleep_for(1200ms);  // three intervals: nothing more may come
  d.sync();
  EXPECT_EQ(world_->count("pager", NotificationKind::kReminder), reminders);
  // Numbered 1, 2, 3, ... with no gap and no repeat.
  auto got = ids("pager", NotificationKind::kReminder);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(followUpOf(got[i]).n, static_cast<int>(i + 1)) << got[i];
  }
  EXPECT_EQ(ids("chat", NotificationKind::kReminder).size(), reminders);
  EXPECT_TRUE(allRecordedBefore());
  EXPECT_EQ(d.stats().reminders, 2 * reminders);
}

TEST_F(FollowUpTest, AnEscalationStepTellsItsAlertersOnceAndTheyHearTheResolve) {
  followedUp(common::Nanos(0), {{300ms, {"boss", "pager"}}});
  auto& d = start("m1");
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 3));
  ASSERT_TRUE(eventually([&] { return world_->count("boss", NotificationKind::kCritical) == 1; }));
  std::this_thread::sleep_for(600ms);
  d.sync();
  EXPECT_EQ(world_->count("boss", NotificationKind::kCritical), 1U);
  EXPECT_EQ(world_->count("pager", NotificationKind::kCritical), 1U);  // it knew already
  auto got = ids("boss", NotificationKind::kCritical);
  EXPECT_EQ(followUpOf(got.at(0)).what, "escalation");
  EXPECT_EQ(incident("web")->escalated, 300ms);
  d.onTransition("web", change(CheckState::kCritical, CheckState::kOk, 0));
  ASSERT_TRUE(eventually([&] { return world_->count("boss", NotificationKind::kResolve) == 1; }));
  EXPECT_TRUE(allRecordedBefore());
  EXPECT_EQ(d.stats().escalations, 1U);
}

TEST_F(FollowUpTest, AnAckReachesTheOwnerIsAnnouncedOnceAndStopsReminders) {
  followedUp(500ms, {{1500ms, {"boss"}}});
  auto& d = start("m1");
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 3));
  ASSERT_TRUE(eventually([&] { return world_->count("pager", NotificationKind::kCritical) == 1; }));
  store::IncidentStore incidents(store_);
  store::Ack ack;
  ack.by = "alice";
  ack.comment = "on it";
  auto acked = incidents.acknowledge("web", ack, "", std::chrono::system_clock::now());
  ASSERT_TRUE(acked) << acked.error().message;
  ASSERT_TRUE(eventually([&] {
    return world_->count("pager", NotificationKind::kAck) == 1
           && world_->count("chat", NotificationKind::kAck) == 1;
  }));
  {
    std::lock_guard lock(world_->mu);
    const auto& last = world_->sent.back().n;
    EXPECT_EQ(last.acked_by, "alice");
    EXPECT_EQ(last.ack_comment, "on it");
  }
  // The doorbell was answered (deleted), and nothing more comes: no reminders, no step.
  ASSERT_TRUE(eventually([&] {
    auto r = client_->range(store_->keys().ack("web"));
    return r && r->kvs.empty();
  }));
  const size_t reminders = world_->count("pager", NotificationKind::kReminder);
  std::this_thread::sleep_for(2s);
  d.sync();
  EXPECT_EQ(world_->count("pager", NotificationKind::kReminder), reminders);
  EXPECT_EQ(world_->count("boss", NotificationKind::kCritical), 0U);
  // Acking again changes the ack, and announces nothing new.
  ack.comment = "still on it";
  ASSERT_TRUE(incidents.acknowledge("web", ack, "", std::chrono::system_clock::now()));
  std::this_thread::sleep_for(500ms);
  d.sync();
  EXPECT_EQ(world_->count("pager", NotificationKind::kAck), 1U);
  // Withdrawn: reminders and the overdue escalation go on.
  ASSERT_TRUE(*incidents.unacknowledge("web", std::chrono::system_clock::now()));
  ASSERT_TRUE(eventually([&] {
    return world_->count("boss", NotificationKind::kCritical) == 1
           && world_->count("pager", NotificationKind::kReminder) > reminders;
  }));
  EXPECT_TRUE(allRecordedBefore());
}

TEST_F(FollowUpTest, ACheckArrivingWorseThanItsIncidentIsFollowedUpToo) {
  // Its previous owner died before writing the incident: the new owner alerts the change
  // itself, and the incident it opens gets its escalation like any other.
  followedUp(common::Nanos(0), {{500ms, {"boss"}}});
  auto& d = start("m1");
  d.adopt({"web"}, {{"web", state::Seed{CheckState::kCritical, 3}}});
  ASSERT_TRUE(eventually([&] { return world_->count("pager", NotificationKind::kCritical) == 1; }));
  ASSERT_TRUE(
      eventually([&] { return world_->count("boss", NotificationKind::kCritical) == 1; }, 10s));
}

TEST_F(FollowUpTest, AckingWithoutAnOpenIncidentOrForAnotherIncidentIsRefused) {
  store::IncidentStore incidents(store_);
  auto none = incidents.acknowledge("web", {}, "", std::chrono::system_clock::now());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::kNotFound);
  auto& d = start("m1");
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 3));
  ASSERT_TRUE(eventually([&] { return incidentExists("web"); }));
  auto other = incidents.acknowledge("web", {}, "1-someone", std::chrono::system_clock::now());
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, Errc::kNotFound);
  EXPECT_FALSE(incident("web")->ack);
  auto gone = incidents.unacknowledge("db", std::chrono::system_clock::now());
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, Errc::kNotFound);
}

TEST_F(FollowUpTest, ANewOwnerGoesOnWithTheNextReminderAndRepeatsNothing) {
  followedUp(600ms);
  auto& old_owner = start("m1");
  old_owner.adopt({"web"});
  old_owner.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 3));
  ASSERT_TRUE(
      eventually([&] { return world_->count("pager", NotificationKind::kReminder) >= 1; }, 10s));
  old_owner.release("web");
  old_owner.sync();
  const size_t before = world_->count("pager", NotificationKind::kReminder);
  // With a grace, as members run: an attempt the old owner had in flight when the check left
  // is recorded before the new owner reads what is unsettled.
  auto& next_owner = start("m2", {.adopt_grace = 500ms});
  next_owner.adopt({"web"});
  ASSERT_TRUE(eventually(
      [&] { return world_->count("pager", NotificationKind::kReminder) >= before + 2; }, 10s));
  old_owner.stop();
  next_owner.onTransition("web", change(CheckState::kCritical, CheckState::kOk, 0));
  ASSERT_TRUE(eventually([&] { return world_->count("pager", NotificationKind::kResolve) == 1; }));
  auto got = ids("pager", NotificationKind::kReminder);
  std::set<std::string> unique(got.begin(), got.end());
  EXPECT_EQ(unique.size(), got.size()) << "a reminder was sent twice";
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(followUpOf(got[i]).n, static_cast<int>(i + 1)) << got[i];
  }
  EXPECT_EQ(world_->count("pager", NotificationKind::kCritical), 1U);
}

TEST_F(FollowUpTest, MessagesCarryAnAckLinkSignedWithTheClusterSecret) {
  followedUp(common::Nanos(0));
  auto& d = start("m1", {.external_url = "https://9volt.example.com"});
  ASSERT_TRUE(eventually([&] {
    auto r = client_->range(store_->keys().secret("ack-link"));
    return r && !r->kvs.empty();
  }));
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 3));
  ASSERT_TRUE(eventually([&] { return world_->count("pager", NotificationKind::kCritical) == 1; }));
  std::string link;
  {
    std::lock_guard lock(world_->mu);
    link = world_->sent.back().n.ack_link;
  }
  ASSERT_EQ(link.rfind("https://9volt.example.com/api/v1/ack/web?token=", 0), 0U) << link;
  auto secret = client_->range(store_->keys().secret("ack-link"));
  AckLinks links(secret->kvs.at(0).value);
  auto incident_id =
      links.verify(link.substr(link.find("token=") + 6), "web", std::chrono::system_clock::now());
  ASSERT_TRUE(incident_id) << incident_id.error().message;
  EXPECT_EQ(*incident_id, incident("web")->id);
  // A resolve carries none.
  d.onTransition("web", change(CheckState::kCritical, CheckState::kOk, 0));
  ASSERT_TRUE(eventually([&] { return world_->count("pager", NotificationKind::kResolve) == 1; }));
  std::lock_guard lock(world_->mu);
  EXPECT_EQ(world_->sent.back().n.ack_link, "");
}

}  // namespace
}  // namespace ninevolt::alerts
