// State of removed checks: the director deletes /9volt/state/<check> (and /9volt/push/<check>)
// of a monitor deleted while it directs, and when it takes over every such key whose monitor
// is gone; it
// touches no other state key and no incident. The state publisher does not write a
// deleted monitor's state back. Real etcd, the director on a loop thread as in the server.
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "cluster/director.h"
#include "cluster/state_publisher.h"
#include "support/etcd_fixture.h"
#include "support/loop_thread.h"

namespace ninevolt::cluster {
namespace {

using namespace std::chrono_literals;
using ninevolt::testing::eventually;

constexpr const char* kMonitor = R"({"type":"tcp","host":"127.0.0.1","port":1,"interval":"10s"})";
constexpr const char* kPush = R"({"armed":"2026-12-05T10:00:00Z"})";

class StateCleanupTest : public ninevolt::testing::EtcdTest {
 protected:
  void SetUp() override {
    EtcdTest::SetUp();
    store_ = std::make_shared<store::Store>(client_, "9volt");
    auto lease = client_->grantLease(30s);
    ASSERT_TRUE(lease);
    lease_ = *lease;
    ASSERT_TRUE(store_->putMember(store::MemberInfo{.id = "m1"}, lease_));
  }

  void TearDown() override {
    onLoop([this] {
      if (director_) {
        director_->stop();
        director_.reset();
      }
      publisher_.reset();
    });
    loop_.join();
    EtcdTest::TearDown();
  }

  void onLoop(const std::function<void()>& fn) { loop_.onLoop(fn); }

  void startDirector() {
    onLoop([this] {
      director_ = std::make_unique<Director>(
          loop_.io(), store_, Director::Options{.member_id = "m1", .debounce = 10ms});
      director_->start(lease_);
    });
  }

  uint64_t placements() {
    uint64_t n = 0;
    onLoop([&] { n = director_->placements(); });
    return n;
  }

  // mod_revision of the key, 0 when absent.
  int64_t modRevision(const std::string& key) {
    auto r = client_->range(key);
    EXPECT_TRUE(r);
    return r && !r->kvs.empty() ? r->kvs[0].mod_revision : 0;
  }

  int64_t stateKeys() {
    auto r = client_->range("/9volt/state/", {.prefix = true, .count_only = true});
    EXPECT_TRUE(r);
    return r ? r->count : -1;
  }

  static std::string state(const std::string& check) {
    return R"({"check":")" + check + R"(","status":"critical","count":3})";
  }

  std::shared_ptr<store::Store> store_;
  ninevolt::testing::LoopThread loop_;  // before the loop objects: outlives them
  int64_t lease_ = 0;
  std::unique_ptr<Director> director_;
  std::unique_ptr<StatePublisher> publisher_;
};

TEST_F(StateCleanupTest, AMonitorDeletedWhileDirectingTakesOnlyItsStateWithIt) {
  for (const char* name : {"web", "db"}) {
    ASSERT_TRUE(client_->put(std::string("/9volt/monitor/") + name, kMonitor));
    ASSERT_TRUE(client_->put(std::string("/9volt/state/") + name, state(name)));
    ASSERT_TRUE(client_->put(std::string("/9volt/push/") + name, kPush));
  }
  ASSERT_TRUE(client_->put("/9volt/incident/web", R"({"check":"web","resolved":false})"));
  startDirector();
  ASSERT_TRUE(eventually([&] { return placements() >= 1; }));
  const int64_t db_state = modRevision("/9volt/state/db");
  const int64_t web_incident = modRevision("/9volt/incident/web");
  ASSERT_NE(db_state, 0);

  ASSERT_TRUE(client_->del("/9volt/monitor/web"));
  ASSERT_TRUE(eventually([&] { return modRevision("/9volt/state/web") == 0; }));
  EXPECT_EQ(modRevision("/9volt/push/web"), 0);  // a push record goes with its monitor too
  EXPECT_NE(modRevision("/9volt/push/db"), 0);
  EXPECT_EQ(modRevision("/9volt/state/db"), db_state);          // not rewritten
  EXPECT_EQ(modRevision("/9volt/incident/web"), web_incident);  // the dispatcher's
}

// A location dropped from a monitor's list takes its replica's state with it (else it would
// count again, from a member that may still live there, if the location came back); the
// others' states are not rewritten; a list dropped whole takes them all.
TEST_F(StateCleanupTest, ALocationDroppedFromAMonitorTakesItsReplicaStateWithIt) {
  auto located = [](const std::string& locations) {
    return R"({"type":"tcp","host":"127.0.0.1","port":1,"interval":"10s")"
           + (locations.empty() ? std::string() : R"(,"locations":)" + locations) + "}";
  };
  ASSERT_TRUE(client_->put("/9volt/monitor/web", located(R"(["a","b","c"])")));
  ASSERT_TRUE(client_->put("/9volt/monitor/db", located(R"(["c"])")));
  // Placed on m1 (in no location: the replicas above are orphans), so a placement is written.
  ASSERT_TRUE(client_->put("/9volt/monitor/plain", kMonitor));
  for (const char* replica : {"web@a", "web@b", "web@c", "db@c"}) {
    ASSERT_TRUE(client_->put(std::string("/9volt/location-state/") + replica, state(replica)));
  }
  startDirector();
  ASSERT_TRUE(eventually([&] { return placements() >= 1; }));
  const int64_t web_a = modRevision("/9volt/location-state/web@a");
  const int64_t db_c = modRevision("/9volt/location-state/db@c");

  ASSERT_TRUE(client_->put("/9volt/monitor/web", located(R"(["a","b"])")));
  ASSERT_TRUE(eventually([&] { return modRevision("/9volt/location-state/web@c") == 0; }));
  EXPECT_EQ(modRevision("/9volt/location-state/web@a"), web_a);
  EXPECT_NE(modRevision("/9volt/location-state/web@b"), 0);
  EXPECT_EQ(modRevision("/9volt/location-state/db@c"), db_c);

  ASSERT_TRUE(client_->put("/9volt/monitor/web", located("")));
  ASSERT_TRUE(eventually([&] {
    return modRevision("/9volt/location-state/web@a") == 0
           && modRevision("/9volt/location-state/web@b") == 0;
  }));
  EXPECT_EQ(modRevision("/9volt/location-state/db@c"), db_c);
}

// Dropped while nobody directed: a new director finds the state of a location no longer
// listed when it takes over, and deletes it (and nothing else).
TEST_F(StateCleanupTest, ANewDirectorDeletesTheStateOfALocationDroppedBeforeIt) {
  ASSERT_TRUE(client_->put("/9volt/monitor/web",
                           R"({"type":"tcp","host":"127.0.0.1","port":1,"interval":"10s",)"
                           R"("locations":["a","b"]})"));
  ASSERT_TRUE(client_->put("/9volt/monitor/plain", kMonitor));
  for (const char* replica : {"web@a", "web@b", "web@gone"}) {
    ASSERT_TRUE(client_->put(std::string("/9volt/location-state/") + replica, state(replica)));
  }
  const int64_t web_a = modRevision("/9volt/location-state/web@a");
  startDirector();
  ASSERT_TRUE(eventually([&] { return modRevision("/9volt/location-state/web@gone") == 0; }));
  EXPECT_EQ(modRevision("/9volt/location-state/web@a"), web_a);
  EXPECT_NE(modRevision("/9volt/location-state/web@b"), 0);
}

TEST_F(StateCleanupTest, ANewDirectorDeletesStateWhoseMonitorIsGoneInBatches) {
  ASSERT_TRUE(client_->put("/9volt/monitor/kept", kMonitor));
  ASSERT_TRUE(client_->put("/9volt/state/kept", state("kept")));
  // More than one fenced txn holds (120 operations each).
  constexpr int kStale = 250;
  for (int i = 0; i < kStale; ++i) {
    std::string name = "gone-" + std::to_string(i);
    ASSERT_TRUE(client_->put("/9volt/state/" + name, state(name)));
  }
  ASSERT_TRUE(client_->put("/9volt/incident/gone-7", R"({"check":"gone-7","resolved":false})"));
  // Push records whose monitor is gone (one with no state key at all), and the kept one's.
  ASSERT_TRUE(client_->put("/9volt/push/gone-3", kPush));
  ASSERT_TRUE(client_->put("/9volt/push/only-pushed", kPush));
  ASSERT_TRUE(client_->put("/9volt/push/kept", kPush));
  const int64_t kept = modRevision("/9volt/state/kept");
  const int64_t incident = modRevision("/9volt/incident/gone-7");

  startDirector();
  ASSERT_TRUE(eventually([&] { return stateKeys() == 1; })) << stateKeys();
  EXPECT_TRUE(eventually([&] { return modRevision("/9volt/push/only-pushed") == 0; }));
  EXPECT_EQ(modRevision("/9volt/push/gone-3"), 0);
  EXPECT_NE(modRevision("/9volt/push/kept"), 0);
  EXPECT_EQ(modRevision("/9volt/state/kept"), kept);
  EXPECT_EQ(modRevision("/9volt/incident/gone-7"), incident);
}

TEST_F(StateCleanupTest, AResultPendingForADeletedMonitorIsNotWrittenBack) {
  ASSERT_TRUE(client_->put("/9volt/monitor/kept", kMonitor));
  onLoop([this] {
    publisher_ = std::make_unique<StatePublisher>(
        loop_.io(), store_,
        StatePublisher::Options{
            .member_id = "m1", .flush_interval = std::chrono::hours(1), .digest_interval = 1h});
    publisher_->start(lease_);
  });
  for (const char* name : {"kept", "deleted"}) {
    engine::RunReport r{.check = name, .result = checks::CheckResult::critical("refused")};
    r.result.time = std::chrono::system_clock::now();
    r.state = state::CheckState::kCritical;
    r.count = 3;
    publisher_->onResult(r);  // posted to the loop, before the flush below
  }
  uint64_t writes = 0;
  onLoop([&] {
    publisher_->flush();
    writes = publisher_->writes();
  });
  EXPECT_EQ(writes, 1U);
  EXPECT_NE(modRevision("/9volt/state/kept"), 0);
  EXPECT_EQ(modRevision("/9volt/state/deleted"), 0);
}

}  // namespace
}  // namespace ninevolt::cluster
