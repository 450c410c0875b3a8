// store against a real etcd: typed config access, watches, member records, batching order.
#include "store/store.h"

#include <mutex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/etcd_fixture.h"

namespace ninevolt::store {
namespace {

using ninevolt::testing::eventually;

class StoreTest : public ninevolt::testing::EtcdTest {
 protected:
  void SetUp() override {
    EtcdTest::SetUp();
    store_ = std::make_unique<Store>(client_, "team/9volt");
  }
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, PutGetDeleteMonitorUnderPrefix) {
  ASSERT_TRUE(store_->putConfig(ConfigKind::kMonitor, "web", R"({"type":"http"})"));
  auto raw = client_->range("/team/9volt/monitor/web");
  ASSERT_TRUE(raw);
  ASSERT_EQ(raw->kvs.size(), 1U);
  auto got = store_->getConfig(ConfigKind::kMonitor, "web");
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((**got).value["type"], "http");
  EXPECT_EQ((**got).mod_revision, raw->kvs[0].mod_revision);
  EXPECT_FALSE(store_->getConfig(ConfigKind::kAlerter, "web")->has_value());
  EXPECT_TRUE(*store_->deleteConfig(ConfigKind::kMonitor, "web"));
  EXPECT_FALSE(*store_->deleteConfig(ConfigKind::kMonitor, "web"));
}

TEST_F(StoreTest, LoadConfigsReadsBothKindsAtOneRevisionAndKeepsGarbageVisible) {
  ASSERT_TRUE(store_->putConfig(ConfigKind::kMonitor, "a", R"({"type":"tcp"})"));
  ASSERT_TRUE(store_->putConfig(ConfigKind::kAlerter, "p", R"({"type":"pagerduty"})"));
  ASSERT_TRUE(client_->put("/team/9volt/monitor/hand-written", "not json"));
  ASSERT_TRUE(client_->put("/team/9volt/monitor/deeper/key", "{}"));
  auto snap = store_->loadConfigs();
  ASSERT_TRUE(snap) << snap.error().message;
  EXPECT_EQ(snap->monitors.size(), 2U);
  EXPECT_TRUE(snap->monitors.at("hand-written").value.is_null());
  EXPECT_EQ(snap->monitors.at("hand-written").text, "not json");
  EXPECT_EQ(snap->alerters.size(), 1U);
  EXPECT_GE(snap->revision, snap->monitors.at("a").mod_revision);
}

TEST_F(StoreTest, WatchConfigsSeesPutsAndDeletesOfItsKindOnly) {
  std::mutex mu;
  std::vector<ConfigEvent> seen;
  auto watcher = store_->watchConfigs(ConfigKind::kMonitor, 0, [&](const ConfigWatchUpdate& u) {
    std::lock_guard lock(mu);
    seen.insert(seen.end(), u.events.begin(), u.events.end());
  });
  ASSERT_TRUE(watcher->waitUntilWatching(std::chrono::seconds(5)));
  ASSERT_TRUE(store_->putConfig(ConfigKind::kAlerter, "p", "{}"));
  ASSERT_TRUE(store_->putConfig(ConfigKind::kMonitor, "m", R"({"type":"dns"})"));
  ASSERT_TRUE(store_->deleteConfig(ConfigKind::kMonitor, "m"));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return seen.size() >= 2;
  }));
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[0].type, ConfigEvent::kPut);
  EXPECT_EQ(seen[0].config.name, "m");
  EXPECT_EQ(seen[0].config.value["type"], "dns");
  EXPECT_EQ(seen[1].type, ConfigEvent::kDelete);
  EXPECT_EQ(seen[1].config.name, "m");
}

TEST_F(StoreTest, BatchedApplyNeverLeavesAMonitorNamingADeletedAlerter) {
  // 200 monitors switch from alerter "old" to "new", and "old" is deleted: 202 changes,
  // 2 txns (given in the worst order). Watch every revision and check the invariant at each.
  std::vector<ConfigChange> setup;
  setup.push_back({ConfigChange::kPut, ConfigKind::kAlerter, "old", "{}", -1});
  for (int i = 0; i < 200; ++i) {
    setup.push_back({ConfigChange::kPut, ConfigKind::kMonitor, "m" + std::to_string(i),
                     R"({"critical-alerter":["old"]})", -1});
  }
  ASSERT_TRUE(store_->applyConfigChanges(setup));

  std::mutex mu;
  std::set<std::string> alerters{"old"};
  std::map<std::string, std::string> monitor_alerter;
  for (int i = 0; i < 200; ++i) {
    monitor_alerter["m" + std::to_string(i)] = "old";
  }
  bool violated = false;
  int64_t last_revision = 0;
  auto check = [&] {
    for (const auto& [m, a] : monitor_alerter) {
      if (!alerters.contains(a)) {
        violated = true;
      }
    }
  };
  etcd::Watcher watcher(client_, {.key = "/team/9volt/",
                                  .prefix = true,
                                  .start_revision = 0,
                                  .on_update = [&](const etcd::WatchUpdate& u) {
                                    std::lock_guard lock(mu);
                                    for (const auto& ev : u.events) {
                                      auto a = Keys::nameUnder("/team/9volt/alerter/", ev.kv.key);
                                      auto m = Keys::nameUnder("/team/9volt/monitor/", ev.kv.key);
                                      bool put = ev.type == etcd::WatchEvent::kPut;
                                      if (a) {
                                        put ? (void)alerters.insert(*a) : (void)alerters.erase(*a);
                                      }
                                      if (m) {
                                        if (put) {
                                          monitor_alerter[*m] = nlohmann::json::parse(
                                              ev.kv.value)["critical-alerter"][0];
                                        } else {
                                          monitor_alerter.erase(*m);
                                        }
                                      }
                                    }
                                    check();  // once per revision (a txn is one revision)
                                    last_revision = u.revision;
                                  }});
  ASSERT_TRUE(watcher.waitUntilWatching(std::chrono::seconds(5)));

  std::vector<ConfigChange> changes;
  changes.push_back({ConfigChange::kDelete, ConfigKind::kAlerter, "old", "", -1});
  for (int i = 0; i < 200; ++i) {
    changes.push_back({ConfigChange::kPut, ConfigKind::kMonitor, "m" + std::to_string(i),
                       R"({"critical-alerter":["new"]})", -1});
  }
  changes.push_back({ConfigChange::kPut, ConfigKind::kAlerter, "new", "{}", -1});
  auto report = store_->applyConfigChanges(changes);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->transactions, 2U);
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return last_revision == report->revision;
  }));
  std::lock_guard lock(mu);
  EXPECT_FALSE(violated);
  EXPECT_FALSE(alerters.contains("old"));
}

TEST_F(StoreTest, MembersAndClusterConfig) {
  auto lease = client_->grantLease(std::chrono::seconds(10));
  ASSERT_TRUE(lease);
  MemberInfo m{.id = "abcd1234",
               .hostname = "h",
               .listen = "127.0.0.1:1",
               .tags = {"x", "y"},
               .version = "v",
               .started = "2026-01-01T00:00:00Z",
               .checks = 3};
  ASSERT_TRUE(store_->putMember(m, *lease));
  auto members = store_->listMembers();
  ASSERT_TRUE(members);
  ASSERT_EQ(members->size(), 1U);
  EXPECT_EQ((*members)[0].tags, m.tags);
  EXPECT_EQ((*members)[0].checks, 3);
  ASSERT_TRUE(client_->revokeLease(*lease));
  EXPECT_TRUE(store_->listMembers()->empty());

  auto first = store_->ensureClusterConfig({{"member-ttl", "5s"}});
  ASSERT_TRUE(first);
  auto second = store_->ensureClusterConfig({{"member-ttl", "9s"}});
  ASSERT_TRUE(second);
  EXPECT_EQ((*second)["member-ttl"], "5s");  // existing value kept
}

}  // namespace
}  // namespace ninevolt::store
