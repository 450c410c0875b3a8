// Dependencies in the dispatcher, against a real etcd: a check whose parent (depends-on) is
// failing by its state key has its alerts held (recorded as suppressed by "parent <name>
// <status>"), and alerts once when the parent recovers if it still fails; a parent whose
// state key arrives within the grace after the child's own change still holds it (the race
// of a parent and a child failing together on different members); a child whose parents
// are fine alerts after the grace.
#include "integration/alerts/dispatcher_fixture.h"

namespace ninevolt::alerts {
namespace {

using namespace std::chrono_literals;
using ninevolt::testing::eventually;
using state::CheckState;

class DependencyTest : public DispatcherTest {
 protected:
  void SetUp() override {
    DispatcherTest::SetUp();
    setMonitor("app", {{"type", "http"},
                       {"host", "127.0.0.1"},
                       {"interval", "10s"},
                       {"critical-alerter", {"pager"}},
                       {"depends-on", {"router", "db"}}});
  }
  // The parent's monitor, and its state key as its owner (any member) writes it.
  void parentIs(const std::string& parent, const std::string& status, bool disabled = false) {
    putJson(store_->keys().monitor(parent), {{"type", "tcp"},
                                             {"host", "127.0.0.1"},
                                             {"port", 9},
                                             {"interval", "10s"},
                                             {"disable", disabled}});
    putJson(store_->keys().state(parent),
            {{"check", parent}, {"owner", "m9"}, {"status", status}, {"count", 1}});
  }
  Dispatcher& startFast(const std::string& member, std::chrono::milliseconds grace = 1500ms) {
    Dispatcher::Options o;
    o.parent_grace = grace;
    o.parent_poll = 200ms;
    return start(member, o);
  }
  std::optional<store::Incident> incident(const std::string& check) {
    auto r = store::IncidentStore(store_).load(check);
    return r ? r->incident : std::nullopt;
  }
};

TEST_F(DependencyTest, AChildBehindAFailingParentIsHeldAndAlertsOnceWhenTheParentRecovers) {
  parentIs("router", "ok");
  parentIs("db", "critical");
  auto& d = startFast("m1");
  d.onTransition("app", change(CheckState::kOk, CheckState::kCritical, 1));
  ASSERT_TRUE(eventually([&] {
    auto inc = incident("app");
    return inc && inc->alerters.contains("pager") && inc->alerters.at("pager").suppressed;
  }));
  EXPECT_EQ(incident("app")->alerters.at("pager").suppressed->by, "parent db critical");
  EXPECT_EQ(world_->count("pager", NotificationKind::kCritical), 0U);
  // Still held while the parent fails (polled every 200 ms).
  std::this_thread::sleep_for(600ms);
  d.sync();
  EXPECT_EQ(world_->count("pager", NotificationKind::kCritical), 0U);
  parentIs("db", "ok");
  ASSERT_TRUE(eventually([&] { return world_->count("pager", NotificationKind::kCritical) == 1; }));
  // Then like any alert: the recovery resolves it, once.
  d.onTransition("app", change(CheckState::kCritical, CheckState::kOk, 0));
  ASSERT_TRUE(eventually([&] { return world_->count("pager", NotificationKind::kResolve) == 1; }));
  ASSERT_TRUE(eventually([&] { return !incidentExists("app"); }));
  d.sync();
  EXPECT_EQ(world_->count("pager", NotificationKind::kCritical), 1U);
}

// A parent disabled while critical keeps its last state key: it must not hold its children
// for good. Nor does a state key without a monitor (a deleted parent).
TEST_F(DependencyTest, ADisabledOrDeletedParentHoldsNothing) {
  parentIs("router", "critical", /*disabled=*/true);
  putJson(store_->keys().state("db"), {{"check", "db"}, {"owner", "m9"}, {"status", "critical"}});
  auto& d = startFast("m1", 300ms);
  d.onTransition("app", change(CheckState::kOk, CheckState::kCritical, 1));
  ASSERT_TRUE(eventually([&] { return world_->count("pager", NotificationKind::kCritical) == 1; }));
}

TEST_F(DependencyTest, AChildThatRecoversBeforeItsParentSendsNothing) {
  parentIs("router", "warning");
  auto& d = startFast("m1");
  d.onTransition("app", change(CheckState::kOk, CheckState::kCritical, 1));
  ASSERT_TRUE(eventually([&] { return incident("app").has_value(); }));
  EXPECT_EQ(incident("app")->alerters.at("pager").suppressed->by, "parent router warning");
  d.onTransition("app", change(CheckState::kCritical, CheckState::kOk, 0));
  ASSERT_TRUE(eventually([&] { return !incidentExists("app"); }));
  parentIs("router", "ok");
  std::this_thread::sleep_for(600ms);
  d.sync();
  EXPECT_EQ(world_->count("pager", NotificationKind::kCritical), 0U);
  EXPECT_EQ(world_->count("pager", NotificationKind::kResolve), 0U);
}

// The parent's owner writes its state key up to ~1 s after its change: a parent that failed
// with the child, written 800 ms after the child's change reached its dispatcher, still holds
// the child (it waits for the grace, 3 s as in a member, before judging).
TEST_F(DependencyTest, AParentWrittenWithinTheGraceStillHoldsTheChild) {
  parentIs("router", "ok");
  parentIs("db", "ok");
  auto& d = startFast("m1", Dispatcher::Options{}.parent_grace);
  d.onTransition("app", change(CheckState::kOk, CheckState::kCritical, 1));
  std::this_thread::sleep_for(800ms);
  parentIs("router", "critical");
  ASSERT_TRUE(eventually([&] { return incident("app").has_value(); }));
  d.sync();
  EXPECT_EQ(world_->count("pager", NotificationKind::kCritical), 0U);
  EXPECT_EQ(incident("app")->alerters.at("pager").suppressed->by, "parent router critical");
}

TEST_F(DependencyTest, AChildWhoseParentsAreFineAlertsAfterTheGrace) {
  parentIs("router", "ok");  // db has no state yet: not failing
  auto& d = startFast("m1", 300ms);
  d.onTransition("app", change(CheckState::kOk, CheckState::kCritical, 1));
  ASSERT_TRUE(eventually([&] { return world_->count("pager", NotificationKind::kCritical) == 1; }));
  // A check without depends-on is not delayed, and nothing reads parents for it.
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 1));
  ASSERT_TRUE(eventually([&] { return world_->count("chat", NotificationKind::kCritical) == 1; }));
}

// Changes during the grace are judged after it, in order: a recovery that comes within the
// grace is never judged before the failure it ends (the failure is alerted, then resolved).
TEST_F(DependencyTest, ChangesDuringTheGraceKeepTheirOrder) {
  parentIs("router", "ok");
  parentIs("db", "ok");
  auto& d = startFast("m1", 500ms);
  d.onTransition("app", change(CheckState::kOk, CheckState::kCritical, 1));
  d.onTransition("app", change(CheckState::kCritical, CheckState::kOk, 0));
  ASSERT_TRUE(eventually([&] { return world_->count("pager", NotificationKind::kResolve) == 1; }));
  d.sync();
  EXPECT_EQ(world_->count("pager", NotificationKind::kCritical), 1U);
  ASSERT_TRUE(eventually([&] { return !incidentExists("app"); }));
}

}  // namespace
}  // namespace ninevolt::alerts
