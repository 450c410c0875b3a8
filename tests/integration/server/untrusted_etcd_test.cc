// Everything read from etcd is untrusted (issue 11): garbage keys and values under each of
// 9volt's prefixes, written by hand into the etcd of a real `9volt server`. For every prefix:
// placement goes on (good monitors added afterwards run on the member), GET /api/v1/monitor,
// /state, /cluster and /event answer 200 with the good objects, the live stream keeps going,
// and each bad key is named by exactly one config-rejected event.
//
// The garbage, per prefix: a key with a control byte and invalid UTF-8 (`we\x01ird\xff`,
// the issue's reproduction), a key with an escape sequence, a value that is not JSON, JSON
// of the wrong shape, a 1 MiB value and an empty value.
#include <cstdlib>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cluster/placement.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/printable.h"
#include "store/store.h"
#include "support/closed_port.h"
#include "support/etcd_fixture.h"
#include "support/process.h"
#include "support/slowdown.h"
#include "support/sse_client.h"

namespace ninevolt {
namespace {

using namespace std::chrono_literals;
using ninevolt::testing::eventually;
using ninevolt::testing::freePort;
using ninevolt::testing::httpCall;
using ninevolt::testing::Process;
using ::testing::HasSubstr;
using ::testing::Not;

// Generous, polled; eventually() and the stream client scale them with the build's slowdown,
// the manual loop below with slow().
constexpr auto kStartLimit = 60s;
constexpr auto kLimit = 45s;
// The server's etcd timeout: short, so that a reader stuck on a bad value would show.
const std::string kEtcdTimeout = std::to_string(ninevolt::testing::slow(2s).count()) + "s";

const std::map<std::string, std::string> kJson{{"Content-Type", "application/json"}};

// The servers' environment. Under ThreadSanitizer they also skip the interceptors' own
// memory checks (ignore_interceptors_accesses): libprotobuf copies each 1 MiB value below
// with memcpy, and TSan's interceptor checked every byte against the memory gRPC wrote it
// from (both uninstrumented Debian libraries), which made one read of such a value take
// minutes and every test here time out. Our code's own loads and stores, and every lock,
// are still checked; only memcpy/memset-style calls are not, and only in these servers.
std::map<std::string, std::string> serverEnv() {
#if defined(__SANITIZE_THREAD__)
  const char* inherited = std::getenv("TSAN_OPTIONS");
  return {{"TSAN_OPTIONS",
           std::string(inherited ? inherited : "") + ":ignore_interceptors_accesses=1"}};
#else
  return {};
#endif
}

struct Garbage {
  std::string key;
  std::string value;
};

// The six bad entries under prefix `p`; `shape` is JSON of the wrong shape for that prefix.
std::vector<Garbage> garbageUnder(const std::string& p, const std::string& shape) {
  return {{p + "we\x01ird\xff", "x"},
          {p + "esc\x1b[31m", "{}"},
          {p + "not-json", "not json"},
          {p + "wrong-shape", shape},
          {p + "huge", std::string(size_t{1} << 20, 'x')},
          {p + "empty", ""}};
}

class UntrustedEtcd : public ninevolt::testing::EtcdTest {
 protected:
  void TearDown() override {
    stream_.reset();
    server_.reset();
    EtcdTest::TearDown();
  }

  void startServer() {
    port_ = freePort();
    const std::string listen = "127.0.0.1:" + std::to_string(port_);
    id_ = common::memberId(common::hostName(), listen);
    server_ = std::make_unique<Process>(
        std::vector<std::string>{NINEVOLT_BINARY, "server", "-e", etcd_->endpoint(), "--listen",
                                 listen, "--workers", "1", "--etcd-timeout", kEtcdTimeout},
        serverEnv(), (dir_->path() / "server.log").string());
    ASSERT_TRUE(eventually(
        [&] { return get("/status/check").status == 200 || server_->wait(0ms).has_value(); },
        kStartLimit))
        << server_->output();
    ASSERT_FALSE(server_->wait(0ms).has_value()) << "the server exited\n" << server_->output();
    // The member is director and placing before the garbage goes in.
    ASSERT_TRUE(eventually(
        [&] { return client_->range("/9volt/cluster/director")->kvs.size() == 1; }, kStartLimit));
  }

  void openStream() {
    stream_ = std::make_unique<ninevolt::testing::SseClient>(port_, "/api/v1/stream");
    ASSERT_EQ(stream_->status(), 200);
    auto hello = stream_->next(kLimit);
    ASSERT_TRUE(hello) << server_->output();
    ASSERT_EQ(hello->event, "hello");
  }

  ninevolt::testing::HttpReply get(const std::string& target) {
    return httpCall(port_, "GET", target, {}, {}, std::chrono::seconds(20));
  }

  // Writes each entry once (a second put of the same key would be a new revision, which is
  // rightly reported again).
  void put(const std::vector<Garbage>& garbage) {
    for (const auto& g : garbage) {
      if (written_.insert(g.key).second) {
        ASSERT_TRUE(client_->put(g.key, g.value)) << common::printable(g.key);
      }
    }
  }

  // A TCP monitor on a closed local port: it runs every second (critical each time).
  void addMonitor(const std::string& name, const std::string& extra = {}) {
    const std::string body = R"({"type":"tcp","host":"127.0.0.1","port":)"
                             + std::to_string(closed_port_) + R"(,"interval":"1s")" + extra + "}";
    auto r = httpCall(port_, "PUT", "/api/v1/monitor/" + name, body, kJson, 20s);
    ASSERT_TRUE(r.status == 201 || r.status == 200) << r.status << r.body;
  }

  // The check's state as GET /api/v1/state shows it (null if the request failed).
  nlohmann::json stateOf(const std::string& name) {
    auto r = get("/api/v1/state?check=" + name);
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    return r.status == 200 && j.is_array() && j.size() == 1 ? j[0] : nlohmann::json();
  }

  // The monitor runs on this member: its state names it as the owner, and its run count
  // keeps growing (a critical check counts every run).
  void expectRuns(const std::string& name) {
    int64_t first = -1;
    ASSERT_TRUE(eventually(
        [&] {
          auto s = stateOf(name);
          if (!s.is_object() || s.value("owner", "") != id_ || !s["count"].is_number_integer()) {
            return false;
          }
          if (first < 0) {
            first = s["count"].get<int64_t>();
          }
          return s["count"].get<int64_t>() > first;
        },
        kLimit))
        << name << ": " << stateOf(name).dump() << "\n"
        << server_->output();
  }

  // The read API answers 200 and lists the good monitors.
  void expectApiServes(const std::vector<std::string>& good) {
    auto monitors = get("/api/v1/monitor");
    ASSERT_EQ(monitors.status, 200) << monitors.body;
    auto m = nlohmann::json::parse(monitors.body);
    auto state = get("/api/v1/state");
    ASSERT_EQ(state.status, 200) << state.body;
    auto s = nlohmann::json::parse(state.body);
    std::set<std::string> listed;
    for (const auto& e : s) {
      listed.insert(e["check"].get<std::string>());
    }
    for (const auto& name : good) {
      EXPECT_TRUE(m.contains(name)) << name << " not in " << monitors.body;
      EXPECT_TRUE(listed.contains(name)) << name << " not in " << state.body;
    }
    EXPECT_EQ(get("/api/v1/state?owner=" + id_).status, 200);
    EXPECT_EQ(get("/api/v1/state/summary").status, 200);
    auto cluster = get("/api/v1/cluster");
    ASSERT_EQ(cluster.status, 200) << cluster.body;
    auto c = nlohmann::json::parse(cluster.body);
    EXPECT_TRUE(c["Members"].contains(id_)) << cluster.body;
    EXPECT_EQ(c["Members"].size(), 1U) << cluster.body;  // no garbage member shows
    EXPECT_EQ(get("/api/v1/orphans").status, 200);
    auto events = get("/api/v1/event");
    ASSERT_EQ(events.status, 200) << events.body;
  }

  // The stream is still live: a cluster message for `name` comes after everything before.
  void expectStreamSees(const std::string& name) {
    ASSERT_TRUE(stream_);
    const auto deadline = std::chrono::steady_clock::now() + ninevolt::testing::slow(kLimit);
    while (std::chrono::steady_clock::now() < deadline) {
      auto m = stream_->next(5s);
      if (!m) {
        continue;
      }
      auto j = nlohmann::json::parse(m->data, nullptr, false);
      if (m->event == "cluster" && j.value("change", "") == "monitor"
          && j.value("key", "") == name) {
        return;
      }
    }
    FAIL() << "no stream message for monitor " << name << "\n" << server_->output();
  }

  // The config-rejected events (GET /api/v1/event: the API's own answer).
  std::vector<nlohmann::json> rejections() {
    auto r = get("/api/v1/event?type=config-rejected");
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    std::vector<nlohmann::json> out;
    if (r.status == 200 && j.is_array()) {
      out.assign(j.begin(), j.end());
    }
    return out;
  }

  // Events naming `key`: its printed form in the message, or (a valid name) as the check.
  static size_t naming(const std::vector<nlohmann::json>& events, const std::string& key) {
    const std::string shown = common::printable(key);
    const std::string name = key.substr(key.rfind('/') + 1);
    size_t n = 0;
    for (const auto& e : events) {
      const std::string message = e.value("message", "");
      if (message.find(shown + ":") != std::string::npos
          || message.find(shown + " ") != std::string::npos || e.value("check", "") == name) {
        ++n;
      }
    }
    return n;
  }

  // Each key is named by exactly one event (after the readers had many chances to repeat
  // it: placements, API requests, the stream).
  void expectOneEventEach(const std::vector<std::string>& keys) {
    for (const auto& key : keys) {
      ASSERT_TRUE(eventually([&] { return naming(rejections(), key) >= 1; }, kLimit))
          << "no config-rejected event names " << common::printable(key) << "\n"
          << get("/api/v1/event").body << "\n"
          << server_->output();
    }
    for (int round = 0; round < 3; ++round) {
      expectApiServes({});
    }
    auto events = rejections();
    for (const auto& key : keys) {
      EXPECT_EQ(naming(events, key), 1U) << common::printable(key) << "\n"
                                         << nlohmann::json(events).dump(2);
    }
  }

  static std::vector<std::string> keysOf(const std::vector<Garbage>& garbage) {
    std::vector<std::string> out;
    for (const auto& g : garbage) {
      out.push_back(g.key);
    }
    return out;
  }

  std::unique_ptr<Process> server_;
  std::unique_ptr<ninevolt::testing::SseClient> stream_;
  uint16_t port_ = 0;
  ninevolt::testing::ClosedPort closed_;  // held: nothing else may take it
  uint16_t closed_port_ = closed_.port();
  std::string id_;
  std::set<std::string> written_;
};

TEST_F(UntrustedEtcd, Monitors) {
  // Some garbage is there before the server starts (the director's first read), the rest
  // comes while it runs (its watch).
  auto garbage = garbageUnder("/9volt/monitor/", "[1,2,3]");
  put({garbage[0]});
  ASSERT_NO_FATAL_FAILURE(startServer());
  ASSERT_NO_FATAL_FAILURE(openStream());
  addMonitor("before");
  expectRuns("before");
  put(garbage);
  addMonitor("after");
  expectRuns("after");
  expectRuns("before");
  expectApiServes({"before", "after"});
  expectStreamSees("after");
  expectOneEventEach(keysOf(garbage));
  // A monitor that is not JSON is reported for what it is, not as null.
  for (const auto& e : rejections()) {
    if (e.value("check", "") == "not-json") {
      EXPECT_THAT(e.value("message", ""), HasSubstr("/9volt/monitor/not-json: not JSON: "));
      EXPECT_THAT(e.value("message", ""), Not(HasSubstr("null")));
    }
  }
  // The listing shows the valid names only; one that is not JSON says why.
  auto listed = nlohmann::json::parse(get("/api/v1/monitor").body);
  EXPECT_FALSE(listed.contains("we\x01ird\xef\xbf\xbd"));
  EXPECT_THAT(listed["not-json"]["invalid"].get<std::string>(), HasSubstr("not JSON"));
  // Names that are not valid are refused in requests too (400/404, never 500), and such a
  // key can be deleted through the API.
  EXPECT_EQ(httpCall(port_, "PUT", "/api/v1/monitor/%ff", R"({"type":"tcp"})", kJson).status, 400);
  EXPECT_EQ(get("/api/v1/monitor/we%01ird%ff").status, 404);
  EXPECT_EQ(httpCall(port_, "DELETE", "/api/v1/monitor/we%01ird%ff").status, 200);
  EXPECT_TRUE(client_->range("/9volt/monitor/we\x01ird\xff")->kvs.empty());
}

TEST_F(UntrustedEtcd, Alerters) {
  auto garbage = garbageUnder("/9volt/alerter/", R"({"type":"webhook","options":[]})");
  put({garbage[0]});
  ASSERT_NO_FATAL_FAILURE(startServer());
  ASSERT_NO_FATAL_FAILURE(openStream());
  put(garbage);
  addMonitor("after");
  expectRuns("after");
  expectApiServes({"after"});
  EXPECT_EQ(get("/api/v1/alerter").status, 200);
  expectStreamSees("after");
  expectOneEventEach(keysOf(garbage));
}

TEST_F(UntrustedEtcd, Silences) {
  const std::string p = "/9volt/silence/";
  auto garbage = garbageUnder(p, R"({"id":"0123456789abcdef","check":5})");
  // Good ids, bad values: not JSON, another id inside, an end before the start.
  garbage.push_back({p + "00000000000000b1", "not json"});
  garbage.push_back({p + "00000000000000b2",
                     R"({"id":"00000000000000b3","check":"x","starts":"2026-01-01T00:00:00Z",)"
                     R"("ends":"2099-01-01T00:00:00Z"})"});
  garbage.push_back({p + "00000000000000b4",
                     R"({"id":"00000000000000b4","check":"x","starts":"2099-01-01T00:00:00Z",)"
                     R"("ends":"2026-01-01T00:00:00Z"})"});
  put({garbage[0]});
  ASSERT_NO_FATAL_FAILURE(startServer());
  ASSERT_NO_FATAL_FAILURE(openStream());
  put(garbage);
  addMonitor("after");
  expectRuns("after");
  expectApiServes({"after"});
  auto listed = get("/api/v1/silence");
  EXPECT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body, "[]");  // none of them is a silence
  expectStreamSees("after");
  expectOneEventEach(keysOf(garbage));
}

TEST_F(UntrustedEtcd, Members) {
  const std::string p = "/9volt/cluster/members/";
  auto garbage = garbageUnder(p, R"({"id":"wrong-shape","tags":"a"})");
  // A well-formed record on no lease: no live member. Checks placed on it would run nowhere.
  garbage.push_back({p + "ghost", R"({"id":"ghost"})"});
  put({garbage[0], garbage.back()});
  ASSERT_NO_FATAL_FAILURE(startServer());
  ASSERT_NO_FATAL_FAILURE(openStream());
  put(garbage);
  std::vector<std::string> good;
  for (int i = 0; i < 6; ++i) {
    good.push_back("after-" + std::to_string(i));
    addMonitor(good.back());
  }
  for (const auto& name : good) {
    expectRuns(name);
  }
  expectApiServes(good);
  expectStreamSees(good.back());
  expectOneEventEach(keysOf(garbage));
  EXPECT_TRUE(client_->range("/9volt/cluster/assignments/ghost/", {.prefix = true})->kvs.empty());
}

TEST_F(UntrustedEtcd, DirectorKey) {
  ASSERT_NO_FATAL_FAILURE(startServer());
  ASSERT_NO_FATAL_FAILURE(openStream());
  addMonitor("before");
  expectRuns("before");
  // Keys beside the director's that nobody reads: harmless.
  put({{"/9volt/cluster/director\xff", "x"}, {"/9volt/cluster/director/\x01", ""}});
  // A third party's garbage in the director key itself: the readers (API, stream) skip and
  // report it. (Taking the election back from it is the director's own business.)
  const std::string key = "/9volt/cluster/director";
  for (const std::string value : {"not json", "[1]", ""}) {
    ASSERT_TRUE(client_->put(key, value));
    auto cluster = get("/api/v1/cluster");
    ASSERT_EQ(cluster.status, 200) << cluster.body;
    EXPECT_TRUE(nlohmann::json::parse(cluster.body)["Director"].is_null()) << cluster.body;
    expectApiServes({"before"});
  }
  EXPECT_TRUE(eventually([&] { return naming(rejections(), key) >= 1; }, kLimit))
      << get("/api/v1/event").body;
  // Once the garbage is gone, a director places again.
  auto txn =
      client_->txn({etcd::Compare::value(key, etcd::Compare::kEqual, "")}, {etcd::TxnOp::del(key)});
  ASSERT_TRUE(txn);
  addMonitor("after");
  expectRuns("after");
  expectStreamSees("after");
}

TEST_F(UntrustedEtcd, Assignments) {
  ASSERT_NO_FATAL_FAILURE(startServer());
  ASSERT_NO_FATAL_FAILURE(openStream());
  addMonitor("before");
  expectRuns("before");
  const std::string mine = "/9volt/cluster/assignments/" + id_ + "/";
  const std::string own_shard = mine + cluster::shardName(cluster::shardOf("before"));
  std::string other_shard;
  for (uint32_t s = 0; s < cluster::kShards && other_shard.empty(); ++s) {
    if (s != cluster::shardOf("before") && s != cluster::shardOf("after")) {
      other_shard = mine + cluster::shardName(s);
    }
  }
  std::vector<Garbage> garbage{
      {"/9volt/cluster/assignments/we\x01ird\xff/00", "x"},
      {mine + "esc\x1b[31m", R"(["before"])"},
      {own_shard, "not json"},  // over the shard of a running check
      {other_shard, R"([1,2,3])"},
      {mine + "zz", std::string(size_t{1} << 20, 'x')},
      {"/9volt/cluster/assignments/empty", ""},
  };
  put(garbage);
  addMonitor("after");
  expectRuns("after");
  expectRuns("before");  // its shard was overwritten: it kept running
  expectApiServes({"before", "after"});
  expectStreamSees("after");
  expectOneEventEach(keysOf(garbage));
  // The director put its shards back and removed the rest (but the key that is no shard).
  EXPECT_TRUE(eventually([&] {
    auto r = client_->range(own_shard);
    return r && r->kvs.size() == 1 && r->kvs[0].value.find("before") != std::string::npos;
  })) << server_->output();
  for (size_t i : {0, 1, 3, 4}) {
    EXPECT_TRUE(eventually([&] { return client_->range(garbage[i].key)->kvs.empty(); }))
        << common::printable(garbage[i].key);
  }
}

TEST_F(UntrustedEtcd, States) {
  const std::string p = "/9volt/state/";
  // Some before the start (the director reads the state keys when it takes over).
  put({{p + "early\xff", "x"}});
  ASSERT_NO_FATAL_FAILURE(startServer());
  ASSERT_NO_FATAL_FAILURE(openStream());
  // States of checks that exist but do not run (disabled): nobody overwrites them.
  std::vector<Garbage> garbage = garbageUnder(p, R"({"status":5,"owner":7})");
  for (const auto& g : garbage) {
    std::string name = g.key.substr(p.size());
    if (store::nameProblem(name).empty()) {
      addMonitor(name, R"(,"disable":true)");
    }
  }
  garbage.push_back({p + "disabled-ok-owner-wrong", R"({"status":"ok","owner":5})"});
  addMonitor("disabled-ok-owner-wrong", R"(,"disable":true)");
  put(garbage);
  addMonitor("after");
  expectRuns("after");
  expectApiServes({"after", "not-json", "wrong-shape", "huge", "empty"});
  EXPECT_EQ(stateOf("wrong-shape")["status"], "disabled");
  expectStreamSees("after");
  garbage.push_back({p + "early\xff", "x"});
  expectOneEventEach(keysOf(garbage));
  // A state key no check can have goes when the director takes over (it did, at start).
  EXPECT_TRUE(eventually([&] { return client_->range(p + "early\xff")->kvs.empty(); }));
}

TEST_F(UntrustedEtcd, LocationStates) {
  ASSERT_NO_FATAL_FAILURE(startServer());
  ASSERT_NO_FATAL_FAILURE(openStream());
  // A check run from every location (this member's: none), so this member judges it and
  // keeps a copy of every replica state (locations/replica_board.h).
  addMonitor("located", R"(,"locations":"all")");
  const std::string p = "/9volt/location-state/";
  std::vector<Garbage> garbage = garbageUnder(p, R"({"status":5,"owner":7})");
  garbage.push_back({p + "no-monitor@eu", "not json"});
  garbage.push_back({p + "no-monitor@all", R"({"status":"ok","owner":"x"})"});
  put(garbage);
  addMonitor("after");
  expectRuns("after");
  expectApiServes({"after", "located"});
  expectStreamSees("after");
  expectOneEventEach(keysOf(garbage));
  // The judge still judges: its one location (this member's, unnamed) fails (a closed port).
  EXPECT_TRUE(eventually([&] {
    auto s = stateOf("located");
    return s.value("status", "") == "critical"
           && s.value("message", "").starts_with("1 of 1 location(s) failing")
           && s["locations"]["rows"].size() == 1;
  })) << stateOf("located").dump()
      << server_->output();
}

TEST_F(UntrustedEtcd, Confirmations) {
  ASSERT_NO_FATAL_FAILURE(startServer());
  ASSERT_NO_FATAL_FAILURE(openStream());
  // Requests to this member and answers to it (store/confirm.h), all garbage, and a request
  // for a monitor that does not exist: answered "could not run it", nothing run.
  std::vector<Garbage> garbage =
      garbageUnder("/9volt/confirm/request/" + id_ + "/", R"({"id":5,"check":[]})");
  for (auto& g : garbageUnder("/9volt/confirm/answer/" + id_ + "/", R"({"ran":"yes"})")) {
    garbage.push_back(std::move(g));
  }
  // Only what is put after the member watches is seen: wait for its first check to run.
  addMonitor("before");
  expectRuns("before");
  put(garbage);
  const auto now = common::formatRfc3339(std::chrono::system_clock::now());
  put({{"/9volt/confirm/request/" + id_ + "/asker-1",
        nlohmann::json{{"id", "asker-1"}, {"check", "nothing"}, {"from", "asker"}, {"asked", now}}
            .dump()}});
  addMonitor("after");
  expectRuns("after");
  expectApiServes({"before", "after"});
  expectStreamSees("after");
  expectOneEventEach(keysOf(garbage));
  EXPECT_TRUE(eventually([&] {
    auto r = client_->range("/9volt/confirm/answer/asker/asker-1");
    if (!r || r->kvs.empty()) {
      return false;
    }
    auto j = nlohmann::json::parse(r->kvs[0].value, nullptr, false);
    return !j.is_discarded() && j["ran"] == false && j["message"] == "no such monitor";
  })) << server_->output();
}

TEST_F(UntrustedEtcd, Incidents) {
  const std::string p = "/9volt/incident/";
  auto garbage = garbageUnder(p, R"({"check":"wrong-shape","status":5})");
  // In place before the server starts: the director reports keys no check can have, and
  // checks of the valid names read theirs when they arrive (and alert past it).
  put(garbage);
  ASSERT_NO_FATAL_FAILURE(startServer());
  ASSERT_NO_FATAL_FAILURE(openStream());
  std::vector<std::string> good;
  for (const auto& g : garbage) {
    std::string name = g.key.substr(p.size());
    if (store::nameProblem(name).empty()) {
      addMonitor(name);
      good.push_back(name);
    }
  }
  addMonitor("after");
  good.push_back("after");
  for (const auto& name : good) {
    expectRuns(name);
  }
  expectApiServes(good);
  expectStreamSees("after");
  expectOneEventEach(keysOf(garbage));
}

TEST_F(UntrustedEtcd, Events) {
  ASSERT_NO_FATAL_FAILURE(startServer());
  ASSERT_NO_FATAL_FAILURE(openStream());
  auto garbage = garbageUnder("/9volt/event/", R"({"type":"info","message":5})");
  put(garbage);
  addMonitor("after");
  expectRuns("after");
  expectApiServes({"after"});
  expectStreamSees("after");
  expectOneEventEach(keysOf(garbage));
}

TEST_F(UntrustedEtcd, SettingsDigestAndEventLease) {
  // The cluster config is not JSON at start: the member starts with the defaults (and says
  // so) instead of refusing to start. The shared event lease record is garbage too: it is
  // replaced (and reported) by the first event written.
  const std::string config = "/9volt/config";
  const std::string lease = "/9volt/cluster/event-lease";
  ASSERT_TRUE(client_->put(config, "not json"));
  ASSERT_TRUE(client_->put(lease, R"({"id":"x"})"));
  ASSERT_NO_FATAL_FAILURE(startServer());
  ASSERT_NO_FATAL_FAILURE(openStream());
  auto reported = [&](const std::string& text) {
    size_t n = 0;
    for (const auto& e : rejections()) {
      n += e.value("message", "").find(text) != std::string::npos ? 1 : 0;
    }
    return n;
  };
  EXPECT_TRUE(eventually([&] { return reported(config + ": not JSON: ") == 1; }, kLimit))
      << get("/api/v1/event").body << server_->output();
  EXPECT_TRUE(eventually([&] { return reported(lease + ": event lease record") == 1; }, kLimit))
      << get("/api/v1/event").body << server_->output();
  // While it runs: every bad value is reported once and the settings in force stay.
  for (const std::string& value :
       {std::string("[1,2]"), std::string(), std::string(size_t{1} << 20, 'x')}) {
    const size_t before = reported(config + ":");
    ASSERT_TRUE(client_->put(config, value));
    EXPECT_TRUE(eventually([&] { return reported(config + ":") == before + 1; }, kLimit))
        << get("/api/v1/event").body << server_->output();
  }
  // Nobody reads the digest but its writers; garbage there harms nothing.
  put(garbageUnder("/9volt/cluster/digest/", "[]"));
  addMonitor("after");
  expectRuns("after");
  expectApiServes({"after"});
  expectStreamSees("after");
  EXPECT_FALSE(server_->wait(0ms).has_value());  // still running
}

}  // namespace
}  // namespace ninevolt
