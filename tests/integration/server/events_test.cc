// `9volt server` writes the cluster event log: director changed, config rejected, and an
// etcd outage (lost while down, written after it returns, dated when it was noticed).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/ids.h"
#include "store/store.h"
#include "support/etcd_fixture.h"
#include "support/process.h"

namespace ninevolt {
namespace {

using namespace std::chrono_literals;
using ninevolt::testing::eventually;
using ninevolt::testing::freePort;
using ninevolt::testing::httpGet;
using ninevolt::testing::Process;

class ServerEvents : public ninevolt::testing::EtcdTest {
 protected:
  std::vector<store::StoredEvent> events(const std::string& kind) {
    store::Store store(client_, "9volt");
    auto got = store.listEvents({.types = {kind}});
    return got ? *got : std::vector<store::StoredEvent>{};
  }

  // GET /status/check answers `status` (and its body holds `text`) before the deadline.
  static bool statusCheckBecomes(uint16_t port, int status, std::chrono::seconds deadline,
                                 const std::string& text = {}) {
    return eventually(
        [&] {
          auto r = httpGet(port, "/status/check");
          return r && r->status == status && r->body.find(text) != std::string::npos;
        },
        deadline);
  }
};

TEST_F(ServerEvents, DirectorRejectedConfigAndEtcdOutageAreLogged) {
  uint16_t port = freePort();
  std::string listen = "127.0.0.1:" + std::to_string(port);
  std::string id = common::memberId(common::hostName(), listen);
  Process server({NINEVOLT_BINARY, "server", "-e", etcd_->endpoint(), "--listen", listen,
                  "--etcd-timeout", "1s", "--workers", "1"},
                 {}, (dir_->path() / "server.log").string());

  ASSERT_TRUE(eventually([&] { return !events("director-changed").empty(); }, 60s))
      << server.output();
  auto director = events("director-changed").front();
  EXPECT_EQ(director.event.member_id, id);
  EXPECT_EQ(director.event.member, id);
  EXPECT_EQ(director.event.type, "info");
  auto lease = client_->range("/9volt/cluster/event-lease");
  ASSERT_TRUE(lease && lease->kvs.size() == 1U);
  auto record = client_->range(director.key);
  ASSERT_TRUE(record && record->kvs.size() == 1U);
  EXPECT_EQ(record->kvs[0].lease, nlohmann::json::parse(lease->kvs[0].value)["id"]);
  auto config = nlohmann::json::parse(client_->range("/9volt/config")->kvs.at(0).value);
  EXPECT_EQ(config["event-retention"], "24h");
  EXPECT_EQ(config["event-max-count"], 10000);

  // A monitor written by hand that does not validate: rejected by its owner, once.
  ASSERT_TRUE(client_->put("/9volt/monitor/broken", R"({"type":"tcp","interval":"10s"})"));
  ASSERT_TRUE(eventually([&] { return !events("config-rejected").empty(); })) << server.output();
  auto rejected = events("config-rejected").front().event;
  EXPECT_EQ(rejected.type, "error");
  EXPECT_EQ(rejected.check, "broken");
  EXPECT_THAT(rejected.message, ::testing::HasSubstr("port"));

  // etcd goes away and comes back.
  ASSERT_TRUE(etcd_->stop());
  const auto stopped_at = std::chrono::system_clock::now();
  ASSERT_TRUE(statusCheckBecomes(port, 500, 15s)) << server.output();
  ASSERT_TRUE(etcd_->restart());
  const auto restarted_at = std::chrono::system_clock::now();
  ASSERT_TRUE(eventually([&] { return !events("etcd-restored").empty(); }, 30s)) << server.output();
  auto lost = events("etcd-lost");
  ASSERT_EQ(lost.size(), 1U) << server.output();
  EXPECT_EQ(lost[0].event.type, "error");
  EXPECT_EQ(lost[0].event.member_id, id);
  EXPECT_THAT(lost[0].event.message, ::testing::HasSubstr("etcd unreachable"));
  // Dated when it was noticed, not when it could be written.
  EXPECT_GE(lost[0].event.time, stopped_at - 1s);
  EXPECT_LT(lost[0].event.time, restarted_at);
  EXPECT_EQ(events("config-rejected").size(), 1U);
}

// etcd out of space (its quota made tiny here; 2 GiB by default): it raises the NOSPACE
// alarm and refuses writes until an operator frees space and disarms it. The member says so
// in /status/check and /metrics, and records it once it can write again.
TEST_F(ServerEvents, AnEtcdAlarmIsTheMembersProblemUntilDisarmed) {
  startEtcd({"--quota-backend-bytes", std::to_string(8 << 20)});
  const uint16_t port = freePort();
  const std::string listen = "127.0.0.1:" + std::to_string(port);
  Process server({NINEVOLT_BINARY, "server", "-e", etcd_->endpoint(), "--listen", listen,
                  "--etcd-timeout", "1s", "--workers", "1"},
                 {}, (dir_->path() / "server.log").string());
  ASSERT_TRUE(statusCheckBecomes(port, 200, 60s)) << server.output();

  // Fill it: 1 MiB values until etcd refuses (a bounded number of them).
  const std::string big(1 << 20, 'x');
  int filled = 0;
  std::string refusal;
  for (; filled < 64; ++filled) {
    auto put = client_->put("/fill/" + std::to_string(filled), big);
    if (!put) {
      refusal = put.error().message;
      break;
    }
  }
  ASSERT_THAT(refusal, ::testing::HasSubstr("database space exceeded"));
  ASSERT_TRUE(statusCheckBecomes(port, 500, 10s, "NOSPACE")) << server.output();
  auto check = httpGet(port, "/status/check");
  EXPECT_THAT(check->body, ::testing::HasSubstr("etcdctl alarm disarm"));
  auto metrics = httpGet(port, "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(metrics->body, ::testing::HasSubstr("ninevolt_etcd_alarms 1\n"));

  // What docs/operations.md says to do: delete, compact, defragment, disarm (etcdctl: Debian's
  // etcd-client, installed by scripts/install-deps.sh).
  ASSERT_TRUE(client_->del("/fill/", true));
  ASSERT_TRUE(client_->compact(client_->status()->revision));
  for (std::vector<std::string> step :
       {std::vector<std::string>{"defrag"}, std::vector<std::string>{"alarm", "disarm"}}) {
    std::vector<std::string> argv = {"/usr/bin/etcdctl", "--endpoints", etcd_->endpoint()};
    argv.insert(argv.end(), step.begin(), step.end());
    Process etcdctl(argv, {{"ETCDCTL_API", "3"}}, (dir_->path() / "etcdctl.log").string());
    ASSERT_EQ(etcdctl.wait(30s), 0) << step[0] << ": " << etcdctl.output();
  }
  ASSERT_TRUE(statusCheckBecomes(port, 200, 10s)) << server.output();
  ASSERT_TRUE(eventually([&] { return !events("etcd-alarm").empty(); }, 30s)) << server.output();
  auto alarm = events("etcd-alarm");
  EXPECT_EQ(alarm[0].event.type, "error");
  EXPECT_THAT(alarm[0].event.message, ::testing::HasSubstr("NOSPACE"));
}

}  // namespace
}  // namespace ninevolt
