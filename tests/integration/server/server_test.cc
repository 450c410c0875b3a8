// `9volt server` as a real process: embedded etcd, data dir lock, member registration,
// health endpoints, flags and env, clean shutdown.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include "common/ids.h"
#include "support/check_types.h"
#include "support/etcd_fixture.h"
#include "support/process.h"

namespace ninevolt {
namespace {

using ninevolt::testing::eventually;
using ninevolt::testing::freePort;
using ninevolt::testing::httpGet;
using ninevolt::testing::Process;
using ninevolt::testing::TempDir;
using ::testing::HasSubstr;

constexpr auto kStartLimit = std::chrono::seconds(60);

std::unique_ptr<Process> startServer(const TempDir& dir, const std::string& name,
                                     std::vector<std::string> args,
                                     std::map<std::string, std::string> env = {}) {
  std::vector<std::string> argv{NINEVOLT_BINARY, "server"};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<Process>(argv, env, (dir.path() / (name + ".log")).string());
}

bool healthy(uint16_t port) {
  auto r = httpGet(port, "/status/check");
  return r && r->status == 200;
}

TEST(Server, EmbeddedEtcdHealthVersionAndCleanStop) {
  TempDir dir;
  uint16_t port = freePort();
  std::string listen = "127.0.0.1:" + std::to_string(port);
  std::string data = (dir.path() / "data").string();
  auto server = startServer(dir, "a", {"--listen", listen, "--data-dir", data});
  ASSERT_TRUE(eventually([&] { return healthy(port); }, kStartLimit)) << server->output();

  auto check = httpGet(port, "/status/check");
  ASSERT_TRUE(check);
  auto body = nlohmann::json::parse(check->body);
  std::string id = common::memberId(common::hostName(), listen);
  EXPECT_EQ(body["status"], "ok");
  EXPECT_EQ(body["message"], "MemberID " + id);
  auto version = httpGet(port, "/version");
  ASSERT_TRUE(version);
  EXPECT_EQ(nlohmann::json::parse(version->body)["status"], "version");
  EXPECT_THAT(nlohmann::json::parse(version->body)["message"].get<std::string>(),
              HasSubstr("9volt "));
  EXPECT_THAT(server->output(), HasSubstr("starting a private etcd"));

  // The member record is in the private etcd, on a lease.
  std::string endpoint;
  std::ifstream(data + "/etcd-endpoint") >> endpoint;
  ASSERT_FALSE(endpoint.empty());
  auto client = etcd::Client::create({.endpoints = {endpoint}});
  ASSERT_TRUE(client);
  auto member = (*client)->range("/9volt/cluster/members/" + id);
  ASSERT_TRUE(member);
  ASSERT_EQ(member->kvs.size(), 1U);
  EXPECT_NE(member->kvs[0].lease, 0);
  auto record = nlohmann::json::parse(member->kvs[0].value);
  EXPECT_EQ(record["listen"], listen);
  EXPECT_EQ(record["id"], id);
  auto config = (*client)->range("/9volt/config");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->kvs.size(), 1U);

  // A second server on the same data dir refuses clearly and touches nothing.
  uint16_t port2 = freePort();
  auto second =
      startServer(dir, "b", {"--listen", "127.0.0.1:" + std::to_string(port2), "--data-dir", data});
  auto rc = second->wait(std::chrono::seconds(30));
  ASSERT_TRUE(rc.has_value());
  EXPECT_NE(*rc, 0);
  EXPECT_THAT(second->output(), HasSubstr("in use by another 9volt server"));
  EXPECT_TRUE(healthy(port));

  server->signal(SIGTERM);
  auto code = server->wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value()) << server->output();
  EXPECT_EQ(*code, 0) << server->output();
  EXPECT_THAT(server->output(), HasSubstr("stopping the private etcd"));
  EXPECT_FALSE(std::filesystem::exists(data + "/etcd-endpoint"));
  // The private etcd is gone with it.
  EXPECT_FALSE((*client)->status());
}

// Issue 11: Ctrl-C on `make run` reached the private etcd too (same process group), so the
// server's goodbye failed: it waited 5 s and logged "could not revoke lease ... not
// reachable". etcd now runs in a group of its own and is stopped by the server.
TEST(Server, CtrlCLeavesTheClusterCleanlyBeforeStoppingThePrivateEtcd) {
  TempDir dir;
  uint16_t port = freePort();
  std::string data = (dir.path() / "data").string();
  auto server =
      startServer(dir, "a", {"--listen", "127.0.0.1:" + std::to_string(port), "--data-dir", data});
  ASSERT_TRUE(eventually([&] { return healthy(port); }, kStartLimit)) << server->output();
  std::string endpoint;
  std::ifstream(data + "/etcd-endpoint") >> endpoint;
  ASSERT_FALSE(endpoint.empty());

  server->signalGroup(SIGINT);  // the terminal's Ctrl-C: the whole foreground group
  auto code = server->wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value()) << server->output();
  EXPECT_EQ(*code, 0) << server->output();
  EXPECT_THAT(server->output(), HasSubstr("left the cluster (lease"));
  EXPECT_THAT(server->output(), ::testing::Not(HasSubstr("could not revoke lease")));
  EXPECT_THAT(server->output(), HasSubstr("stopping the private etcd"));
  auto client = etcd::Client::create({.endpoints = {endpoint}});
  ASSERT_TRUE(client);
  EXPECT_FALSE((*client)->status());  // and etcd is gone with it
}

class ServerOnEtcd : public ninevolt::testing::EtcdTest {};

TEST_F(ServerOnEtcd, RegistersUnderPrefixFromEnvAndLeavesAtOnceOnSigterm) {
  uint16_t port = freePort();
  std::string listen = "127.0.0.1:" + std::to_string(port);
  // Env gives members and prefix; the -p flag overrides the env prefix.
  auto server =
      startServer(*dir_, "s", {"--listen", listen, "-p", "flagprefix", "-t", "a,b"},
                  {{"NINEV_ETCD_MEMBERS", etcd_->endpoint()}, {"NINEV_ETCD_PREFIX", "envprefix"}});
  ASSERT_TRUE(eventually([&] { return healthy(port); }, kStartLimit)) << server->output();
  std::string key = "/flagprefix/cluster/members/" + common::memberId(common::hostName(), listen);
  auto member = client_->range(key);
  ASSERT_TRUE(member);
  ASSERT_EQ(member->kvs.size(), 1U) << server->output();
  EXPECT_EQ(nlohmann::json::parse(member->kvs[0].value)["tags"], nlohmann::json::array({"a", "b"}));
  EXPECT_EQ(client_->range("/envprefix/", {.prefix = true, .count_only = true})->count, 0);
  EXPECT_THAT(server->output(), Not(HasSubstr("private etcd")));

  server->signal(SIGTERM);
  // The lease is revoked, not left to expire: gone well before the 5 s TTL.
  EXPECT_TRUE(eventually([&] { return client_->range(key)->kvs.empty(); },
                         std::chrono::milliseconds(2500)));
  auto code = server->wait(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
}

// The names of a process's threads (/proc/<pid>/task/*/comm).
std::multiset<std::string> threadNames(pid_t pid) {
  std::multiset<std::string> names;
  std::error_code ec;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::string name;
    std::getline(std::ifstream(task.path() / "comm"), name);
    names.insert(name);
  }
  return names;
}

// Issue 12: an operator can tell a member's threads apart (top -H, ps -L, gdb): each of ours
// carries the name of what it does.
TEST_F(ServerOnEtcd, ThreadsAreNamedForWhatTheyDo) {
  uint16_t port = freePort();
  auto server = startServer(*dir_, "s",
                            {"--listen", "127.0.0.1:" + std::to_string(port), "-e",
                             etcd_->endpoint(), "--workers", "2"});
  ASSERT_TRUE(eventually([&] { return healthy(port); }, kStartLimit)) << server->output();
  const std::vector<std::string> expected{
      "9v-cluster", "9v-worker-0", "9v-worker-1",   "9v-watch",  "9v-lease", "9v-events",
      "9v-alerts",  "9v-probe",    "9v-membership", "9v-stream", "9v-http"};
  std::multiset<std::string> names;
  // The probe thread starts at the first registration, the watches as their owners start.
  // Only the main thread keeps the process's name (gRPC names its own threads).
  EXPECT_TRUE(eventually(
      [&] {
        names = threadNames(server->pid());
        return names.count("9volt") == 1
               && std::all_of(expected.begin(), expected.end(),
                              [&](const std::string& n) { return names.contains(n); });
      },
      kStartLimit))
      << ::testing::PrintToString(names);
  // The delivery pool starts with the first alert: none has been sent here. The push board's
  // thread with the first push check: there is none here.
  EXPECT_EQ(names.count("9v-deliver"), 0U) << ::testing::PrintToString(names);
  EXPECT_EQ(names.count("9v-push"), 0U) << ::testing::PrintToString(names);
}

TEST_F(ServerOnEtcd, HealthIsDegradedWhileEtcdIsDownAndRecovers) {
  uint16_t port = freePort();
  auto server = startServer(*dir_, "s",
                            {"-e", etcd_->endpoint(), "--listen",
                             "127.0.0.1:" + std::to_string(port), "--etcd-timeout", "1s"});
  ASSERT_TRUE(eventually([&] { return healthy(port); }, kStartLimit)) << server->output();
  ASSERT_TRUE(etcd_->stop());
  ASSERT_TRUE(eventually(
      [&] {
        auto r = httpGet(port, "/status/check");
        return r && r->status == 500;
      },
      std::chrono::seconds(15)))
      << server->output();
  auto down = httpGet(port, "/status/check");
  ASSERT_TRUE(down);
  EXPECT_THAT(down->body, HasSubstr("etcd"));
  ASSERT_TRUE(etcd_->restart());
  EXPECT_TRUE(eventually([&] { return healthy(port); }, std::chrono::seconds(30)))
      << server->output();
}

TEST_F(ServerOnEtcd, LoadsConfigDirsAtStart) {
  NV_REQUIRE_CHECK_TYPES("http", "tcp", "exec", "icmp", "dns", "push");  // examples/ has them
  uint16_t port = freePort();
  auto server = startServer(*dir_, "s",
                            {"-e", etcd_->endpoint(), "--listen",
                             "127.0.0.1:" + std::to_string(port), "--load", NINEVOLT_EXAMPLES});
  ASSERT_TRUE(eventually([&] { return healthy(port); }, kStartLimit)) << server->output();
  auto monitors = client_->range("/9volt/monitor/", {.prefix = true, .keys_only = true});
  ASSERT_TRUE(monitors);
  EXPECT_GE(monitors->kvs.size(), 3U);
  EXPECT_EQ(client_->range("/9volt/alerter/local-webhook")->kvs.size(), 1U);

  // The member record says how many checks the member runs: here every enabled monitor
  // that needs no member tag (the only member has none).
  int64_t runnable = 0;
  auto stored = client_->range("/9volt/monitor/", {.prefix = true});
  ASSERT_TRUE(stored);
  for (const auto& kv : stored->kvs) {
    auto m = nlohmann::json::parse(kv.value, nullptr, false);
    ASSERT_TRUE(m.is_object()) << kv.key << ": " << kv.value;
    runnable += !m.value("disable", false) && m.value("member-tag", "").empty() ? 1 : 0;
  }
  ASSERT_GT(runnable, 0);
  const std::string key =
      "/9volt/cluster/members/"
      + common::memberId(common::hostName(), "127.0.0.1:" + std::to_string(port));
  int64_t shown = -1;
  EXPECT_TRUE(eventually(
      [&] {
        auto r = client_->range(key);
        shown = r && !r->kvs.empty()
                    ? nlohmann::json::parse(r->kvs[0].value).value("checks", int64_t{-1})
                    : -1;
        return shown == runnable;
      },
      std::chrono::seconds(20)))
      << "member record says " << shown << " checks, expected " << runnable << "\n"
      << server->output();
}

TEST(Server, UnreachableEtcdFailsWithAClearError) {
  TempDir dir;
  uint16_t dead = freePort();
  auto server = startServer(dir, "s",
                            {"-e", "http://127.0.0.1:" + std::to_string(dead), "--listen",
                             "127.0.0.1:" + std::to_string(freePort()), "--etcd-timeout", "1s"});
  auto rc = server->wait(std::chrono::seconds(90));
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 1);
  EXPECT_THAT(server->output(), HasSubstr("is not reachable"));
}

TEST(Server, HelpExplainsTheFlags) {
  TempDir dir;
  Process help({NINEVOLT_BINARY, "server", "--help"}, {}, (dir.path() / "help.log").string());
  ASSERT_EQ(help.wait(std::chrono::seconds(10)), 0);
  for (const char* flag :
       {"--etcd-members", "NINEV_ETCD_MEMBERS", "--etcd-prefix", "--listen", "--tags",
        "--access-tokens", "--debug", "--data-dir", "--etcd-userpass"}) {
    EXPECT_THAT(help.output(), HasSubstr(flag));
  }
}

}  // namespace
}  // namespace ninevolt
