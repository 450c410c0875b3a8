// `9volt server` follows /9volt/config live: a new member-ttl moves the member record and the
// director key onto a lease with that TTL (nobody leaves, the director stays), a new
// state-dump-interval reschedules the digest, new event settings reach the event log; a bad
// field is an error event naming it and keeps its previous value; a deleted config comes
// back with the defaults.
#include <mutex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/ids.h"
#include "etcd/watcher.h"
#include "store/store.h"
#include "support/closed_port.h"
#include "support/etcd_fixture.h"
#include "support/process.h"

namespace ninevolt {
namespace {

using namespace std::chrono_literals;
using ninevolt::testing::ClosedPort;
using ninevolt::testing::eventually;
using ninevolt::testing::freePort;
using ninevolt::testing::Process;
using ::testing::HasSubstr;

class ServerSettings : public ninevolt::testing::EtcdTest {
 protected:
  void SetUp() override {
    EtcdTest::SetUp();
    store_ = std::make_shared<store::Store>(client_, "9volt");
  }

  std::optional<etcd::KeyValue> get(const std::string& key) {
    auto r = client_->range(key);
    if (!r || r->kvs.empty()) {
      return std::nullopt;
    }
    return r->kvs[0];
  }

  int64_t grantedTtl(int64_t lease) {
    auto info = client_->leaseTimeToLive(lease);
    return info ? info->granted_ttl : -1;
  }

  void putConfig(const nlohmann::json& config) {
    ASSERT_TRUE(client_->put("/9volt/config", config.dump()));
  }

  std::vector<store::StoredEvent> events(const std::string& kind) {
    auto got = store_->listEvents({.types = {kind}});
    return got ? *got : std::vector<store::StoredEvent>{};
  }

  std::shared_ptr<store::Store> store_;
};

TEST_F(ServerSettings, ChangesApplyLiveAndBadFieldsAreRejected) {
  // A digest period so long that, unless the change applies, no digest is written.
  putConfig({{"member-ttl", "5s"},
             {"state-dump-interval", "1h"},
             {"event-retention", "24h"},
             {"event-max-count", 10000}});
  const ClosedPort closed_port;  // the check fails fast: refused
  const uint16_t closed = closed_port.port();
  ASSERT_TRUE(client_->put(
      "/9volt/monitor/probe",
      nlohmann::json{{"type", "tcp"}, {"host", "127.0.0.1"}, {"port", closed}, {"interval", "1s"}}
          .dump()));
  const uint16_t port = freePort();
  const std::string listen = "127.0.0.1:" + std::to_string(port);
  const std::string id = common::memberId(common::hostName(), listen);
  const std::string member_key = "/9volt/cluster/members/" + id;
  const std::string digest_prefix = "/9volt/cluster/digest/" + id + "/";
  Process server(
      {NINEVOLT_BINARY, "server", "-e", etcd_->endpoint(), "--listen", listen, "--workers", "1"},
      {}, (dir_->path() / "server.log").string());

  // Running, director, the check has run (its state is written) but no digest yet.
  ASSERT_TRUE(eventually([&] { return get("/9volt/state/probe").has_value(); }, 60s))
      << server.output();
  auto member = get(member_key);
  auto director = get("/9volt/cluster/director");
  ASSERT_TRUE(member && director) << server.output();
  ASSERT_EQ(director->lease, member->lease);
  EXPECT_EQ(grantedTtl(member->lease), 5);
  auto digest = client_->range(digest_prefix, {.prefix = true, .count_only = true});
  ASSERT_TRUE(digest);
  EXPECT_EQ(digest->count, 0);

  // Follow the member and director keys: neither may vanish while the lease changes.
  std::mutex mu;
  std::vector<std::string> deleted;
  etcd::Watcher::Options wo;
  wo.key = "/9volt/cluster/";
  wo.start_revision = director->mod_revision + 1;
  wo.on_update = [&](const etcd::WatchUpdate& u) {
    std::lock_guard lock(mu);
    for (const auto& ev : u.events) {
      if (ev.type == etcd::WatchEvent::kDelete) {
        deleted.push_back(ev.kv.key);
      }
    }
  };
  etcd::Watcher watch(client_, std::move(wo));
  ASSERT_TRUE(watch.waitUntilWatching(5s));

  // member-ttl 5s -> 3s.
  const int64_t old_lease = member->lease;
  putConfig({{"member-ttl", "3s"},
             {"state-dump-interval", "1h"},
             {"event-retention", "24h"},
             {"event-max-count", 10000}});
  ASSERT_TRUE(eventually([&] {
    auto m = get(member_key);
    return m && m->lease != old_lease && grantedTtl(m->lease) == 3;
  })) << server.output();
  const int64_t new_lease = get(member_key)->lease;
  ASSERT_TRUE(eventually([&] {
    auto d = get("/9volt/cluster/director");
    return d && d->lease == new_lease;
  })) << server.output();
  // Moved, not won again: the same director key (create_revision) throughout.
  EXPECT_EQ(get("/9volt/cluster/director")->create_revision, director->create_revision);
  // The digest follows onto the new lease at once (written once: the period is still 1h).
  ASSERT_TRUE(eventually([&] {
    auto d = client_->range(digest_prefix, {.prefix = true});
    return d && !d->kvs.empty() && d->kvs[0].lease == new_lease;
  })) << server.output();
  const int64_t digest_revision =
      client_->range(digest_prefix, {.prefix = true})->kvs[0].mod_revision;
  // The old lease expires unused (within its 5 s); nothing vanished with it.
  ASSERT_TRUE(eventually(
      [&] {
        auto info = client_->leaseTimeToLive(old_lease);
        return info && info->ttl == -1;
      },
      15s));
  EXPECT_TRUE(get(member_key).has_value());
  EXPECT_TRUE(get("/9volt/cluster/director").has_value());
  {
    std::lock_guard lock(mu);
    EXPECT_THAT(deleted, ::testing::IsEmpty());
  }
  EXPECT_EQ(events("director-changed").size(), 1U);  // only the first election

  // state-dump-interval 1h -> 1s: digests again without waiting out the hour.
  putConfig({{"member-ttl", "3s"},
             {"state-dump-interval", "1s"},
             {"event-retention", "24h"},
             {"event-max-count", 10000}});
  ASSERT_TRUE(eventually([&] {
    auto d = client_->range(digest_prefix, {.prefix = true});
    return d && !d->kvs.empty() && d->kvs[0].mod_revision > digest_revision;
  })) << server.output();

  // A bad member-ttl next to good event settings: the bad one is rejected by name and
  // keeps 3s; the others apply (a longer retention: the next event goes on a new shared
  // lease of 2h + 5m; a cap of 3 events: the director trims to it).
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(store_->createEvents(
        {{.key = store_->keys().event(std::chrono::system_clock::now(), "test", i),
          .event = store::Event{.kind = "test", .message = "filler"}}},
        0));
  }
  putConfig({{"member-ttl", "banana"},
             {"state-dump-interval", "1s"},
             {"event-retention", "2h"},
             {"event-max-count", 3}});
  ASSERT_TRUE(eventually([&] { return !events("config-rejected").empty(); })) << server.output();
  auto rejected = events("config-rejected");
  ASSERT_EQ(rejected.size(), 1U);
  EXPECT_EQ(rejected[0].event.type, "error");
  EXPECT_THAT(rejected[0].event.message, HasSubstr("member-ttl: \"banana\""));
  EXPECT_THAT(rejected[0].event.message, HasSubstr("keeping 3s"));
  ASSERT_TRUE(eventually([&] {
    auto lease = get("/9volt/cluster/event-lease");
    return lease && nlohmann::json::parse(lease->value)["ttl"] == 7200 + 300;
  })) << server.output();
  ASSERT_TRUE(eventually([&] { return store_->countEvents().value_or(-1) <= 3; }, 30s))
      << server.output();
  EXPECT_EQ(get(member_key)->lease, new_lease);
  EXPECT_EQ(grantedTtl(new_lease), 3);

  // Deleted: written back with the defaults, which apply (member-ttl 5s again).
  ASSERT_TRUE(client_->del("/9volt/config"));
  ASSERT_TRUE(eventually([&] {
    auto m = get(member_key);
    return m && grantedTtl(m->lease) == 5;
  })) << server.output();
  auto config = get("/9volt/config");
  ASSERT_TRUE(config);
  EXPECT_EQ(nlohmann::json::parse(config->value)["member-ttl"], "5s");
  EXPECT_THAT(server.output(), HasSubstr("was deleted; writing the defaults again"));
}

// etcd-compaction-interval: the director compacts etcd's history on it (no etcd
// auto-compaction needed), and 0 turns it off, live.
TEST_F(ServerSettings, TheDirectorCompactsEtcdOnItsInterval) {
  putConfig({{"etcd-compaction-interval", "1s"}});
  const int64_t early = client_->put("/test/early", "x")->revision;
  const uint16_t port = freePort();
  Process server({NINEVOLT_BINARY, "server", "-e", etcd_->endpoint(), "--listen",
                  "127.0.0.1:" + std::to_string(port), "--workers", "1"},
                 {}, (dir_->path() / "server.log").string());
  // The first record after ~1 s, the compaction one interval later.
  ASSERT_TRUE(eventually([&] { return !client_->range("/test/early", {.revision = early}); }, 30s))
      << server.output();
  // etcd shows the compaction a moment before the member logs and counts it.
  ASSERT_TRUE(eventually([&] {
    return server.output().find("etcd compaction: history before revision") != std::string::npos;
  })) << server.output();
  ASSERT_TRUE(eventually([&] {
    auto metrics = ninevolt::testing::httpGet(port, "/metrics");
    return metrics && metrics->body.find("ninevolt_etcd_compactions_total ") != std::string::npos
           && metrics->body.find("ninevolt_etcd_compactions_total 0\n") == std::string::npos;
  }));

  // Off: the record stays as it is.
  putConfig({{"etcd-compaction-interval", "0"}});
  ASSERT_TRUE(eventually([&] {
    return server.output().find("every 0s (off") != std::string::npos;
  })) << server.output();
  const int64_t record = get("/9volt/cluster/compaction")->mod_revision;
  const int64_t later = client_->put("/test/later", "x")->revision;
  for (int i = 0; i < 3; ++i) {  // three of the old checks' periods
    std::this_thread::sleep_for(1s);
    EXPECT_EQ(get("/9volt/cluster/compaction")->mod_revision, record);
  }
  EXPECT_TRUE(client_->range("/test/later", {.revision = later}));
}

}  // namespace
}  // namespace ninevolt
