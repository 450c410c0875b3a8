// Silences in the dispatcher, against a real etcd: a covered check's alerts are recorded as
// suppressed, not sent; what is still true is sent once when the silence is deleted or its
// end passes; nothing is sent for a check that recovered meanwhile; another member that takes
// the check over sends it too, once.
#include "integration/alerts/dispatcher_fixture.h"

namespace ninevolt::alerts {
namespace {

using namespace std::chrono_literals;
using ninevolt::testing::eventually;
using state::CheckState;

class SilenceTest : public DispatcherTest {
 protected:
  // A silence over `check` from now for `length`, written as the API writes it.
  std::string silence(const std::string& check, std::chrono::milliseconds length,
                      std::string id = "00000000000000a1") {
    const auto now = std::chrono::time_point_cast<common::SystemTime::duration>(
        std::chrono::system_clock::now());
    store::Silence s;
    s.id = std::move(id);
    s.check = check;
    s.starts = now - 1s;
    s.ends = now + length;
    s.created = now;
    auto made = store_->createSilence(s, now);
    EXPECT_TRUE(made && *made);
    return s.id;
  }

  std::optional<store::Incident> incident(const std::string& check) {
    auto r = store::IncidentStore(store_).load(check);
    return r ? r->incident : std::nullopt;
  }

  size_t sent() {
    std::lock_guard lock(world_->mu);
    return world_->sent.size();
  }
};

TEST_F(SilenceTest, ACoveredCheckIsRecordedNotSentAndAlertsOnceWhenTheSilenceIsDeleted) {
  const std::string id = silence("web", 1h);
  auto& d = start("m1");
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 3));
  ASSERT_TRUE(eventually([&] { return d.stats().suppressed == 2; }));
  d.sync();
  EXPECT_EQ(sent(), 0U);
  auto inc = incident("web");
  ASSERT_TRUE(inc);
  ASSERT_TRUE(inc->alerters.at("pager").suppressed);
  EXPECT_EQ(inc->alerters.at("pager").suppressed->by, id);

  ASSERT_TRUE(*store_->deleteSilence(id));
  ASSERT_TRUE(eventually([&] {
    return world_->count("chat", NotificationKind::kCritical) == 1
           && world_->count("pager", NotificationKind::kCritical) == 1;
  }));
  d.sync();
  std::lock_guard lock(world_->mu);
  ASSERT_EQ(world_->sent.size(), 2U);
  for (const auto& s : world_->sent) {
    EXPECT_TRUE(s.recorded_before) << s.alerter;  // released in the incident before sent
    EXPECT_EQ(s.n.transition_id.rfind("web/", 0), 0U);
  }
}

TEST_F(SilenceTest, TheEndOfASilenceReleasesWhatItHeldWithoutAnyWrite) {
  silence("web", 1500ms);
  auto& d = start("m1");
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 3));
  ASSERT_TRUE(eventually([&] { return d.stats().suppressed == 2; }));
  EXPECT_EQ(sent(), 0U);
  // Nobody touches etcd: the dispatcher's timer notices the end.
  ASSERT_TRUE(
      eventually([&] { return world_->count("pager", NotificationKind::kCritical) == 1; }, 10s));
  ASSERT_TRUE(eventually([&] { return world_->count("chat", NotificationKind::kCritical) == 1; }));
}

TEST_F(SilenceTest, ACheckThatRecoveredUnderTheSilenceSendsNothingWhenItEnds) {
  const std::string id = silence("web", 1h);
  auto& d = start("m1");
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 3));
  ASSERT_TRUE(eventually([&] { return d.stats().suppressed == 2; }));
  d.onTransition("web", change(CheckState::kCritical, CheckState::kOk, 0));
  ASSERT_TRUE(eventually([&] { return !incidentExists("web"); }));  // nobody told: dropped
  ASSERT_TRUE(*store_->deleteSilence(id));
  // A later alert of another check proves the dispatcher went on (and sent nothing for web).
  setMonitor("db", {{"type", "http"},
                    {"host", "127.0.0.1"},
                    {"interval", "10s"},
                    {"critical-alerter", {"pager"}}});
  d.onTransition("db", change(CheckState::kOk, CheckState::kCritical, 1));
  ASSERT_TRUE(eventually([&] { return world_->count("pager", NotificationKind::kCritical) == 1; }));
  d.sync();
  std::lock_guard lock(world_->mu);
  ASSERT_EQ(world_->sent.size(), 1U);
  EXPECT_EQ(world_->sent[0].n.check, "db");
}

TEST_F(SilenceTest, ASilenceCoversOnlyTheChecksItMatches) {
  silence("db*", 1h);
  setMonitor("db1", {{"type", "http"},
                     {"host", "127.0.0.1"},
                     {"interval", "10s"},
                     {"critical-alerter", {"pager"}}});
  auto& d = start("m1");
  d.onTransition("db1", change(CheckState::kOk, CheckState::kCritical, 1));
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 1));
  ASSERT_TRUE(eventually([&] { return world_->count("pager", NotificationKind::kCritical) == 1; }));
  ASSERT_TRUE(eventually([&] { return d.stats().suppressed == 1; }));
  d.sync();
  std::lock_guard lock(world_->mu);
  for (const auto& s : world_->sent) {
    EXPECT_EQ(s.n.check, "web");
  }
}

TEST_F(SilenceTest, ANewOwnerReleasesWhatThePreviousOneHeldOnce) {
  const std::string id = silence("web", 1h);
  auto& first = start("m1");
  first.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 3));
  ASSERT_TRUE(eventually([&] { return first.stats().suppressed == 2; }));
  first.release("web");  // the check moves
  auto& second = start("m2");
  second.adopt({"web"});
  second.sync();
  EXPECT_EQ(sent(), 0U);  // still silenced: the new owner holds it too
  ASSERT_TRUE(*store_->deleteSilence(id));
  ASSERT_TRUE(eventually([&] {
    return world_->count("chat", NotificationKind::kCritical) == 1
           && world_->count("pager", NotificationKind::kCritical) == 1;
  }));
  first.sync();
  second.sync();
  EXPECT_EQ(sent(), 2U);  // the first member, which let the check go, sent nothing
}

// A maintenance window open now, from the config in etcd (as `9volt cfg` writes it).
TEST_F(SilenceTest, AnOpenMaintenanceWindowHoldsAlertsAndItsDeletionSendsThem) {
  putJson(store_->keys().maintenance("patching"),
          {{"check", "web"}, {"schedule", "* * * * *"}, {"duration", "1h"}});
  auto& d = start("m1");
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 3));
  ASSERT_TRUE(eventually([&] { return d.stats().suppressed == 2; }));
  auto inc = incident("web");
  ASSERT_TRUE(inc);
  EXPECT_EQ(inc->alerters.at("pager").suppressed->by, "maintenance/patching");
  EXPECT_EQ(sent(), 0U);
  ASSERT_TRUE(client_->del(store_->keys().maintenance("patching")));
  ASSERT_TRUE(eventually([&] {
    return world_->count("chat", NotificationKind::kCritical) == 1
           && world_->count("pager", NotificationKind::kCritical) == 1;
  }));
}

TEST_F(SilenceTest, AWindowWithNotifyAfterFalseSendsNothingOfWhatStillFails) {
  putJson(
      store_->keys().maintenance("backups"),
      {{"check", "web"}, {"schedule", "* * * * *"}, {"duration", "1h"}, {"notify-after", false}});
  auto& d = start("m1");
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 3));
  ASSERT_TRUE(eventually([&] { return d.stats().suppressed == 2; }));
  ASSERT_TRUE(client_->del(store_->keys().maintenance("backups")));
  // Released (nothing left suppressed), and nothing sent.
  ASSERT_TRUE(eventually([&] {
    auto inc = incident("web");
    return inc && !hasSuppressed(*inc);
  }));
  d.sync();
  EXPECT_EQ(sent(), 0U);
  // A later failure of the check alerts as usual.
  d.onTransition("web", change(CheckState::kCritical, CheckState::kOk, 0));
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 3));
  ASSERT_TRUE(eventually([&] { return world_->count("pager", NotificationKind::kCritical) == 1; }));
}

TEST_F(SilenceTest, AWindowThatDoesNotValidateHoldsNothingAndIsReported) {
  struct Seen {
    std::mutex mu;
    std::vector<std::string> messages;
  };
  auto seen = std::make_shared<Seen>();  // outlives the test body: the watch may report late
  store_->rejections().setHandler([seen](const store::Rejection& r) {
    std::lock_guard lock(seen->mu);
    seen->messages.push_back(r.message);
  });
  putJson(store_->keys().maintenance("broken"),
          {{"check", "web"}, {"schedule", "61 * * * *"}, {"duration", "1h"}});
  auto& d = start("m1");
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 3));
  ASSERT_TRUE(eventually([&] { return world_->count("pager", NotificationKind::kCritical) == 1; }));
  EXPECT_EQ(d.stats().suppressed, 0U);
  std::lock_guard lock(seen->mu);
  ASSERT_FALSE(seen->messages.empty());
  EXPECT_THAT(seen->messages.front(), ::testing::HasSubstr("minute: 61 is outside 0-59"));
}

}  // namespace
}  // namespace ninevolt::alerts
