#include "support/api_world.h"

#include <cstdio>
#include <cstdlib>
#include <exception>

#include <fmt/format.h>

#include "api/auth.h"
#include "api/v1/routes.h"
#include "common/clock.h"
#include "common/yaml_json.h"
#include "store/event.h"
#include "support/fuzz_util.h"
#include "ui_assets/ui_routes.h"

namespace ninevolt::fuzz {

ApiWorld::ApiWorld()
    : etcd_(std::make_shared<testing::MemoryEtcd>()),
      store_(std::make_shared<store::Store>(etcd_, "9volt")) {
  hub_ = api::v1::StreamHub::create(io_, store_, {.member_id = "m1"});
  api::TokenAuth auth({"rw-token"}, {"ro-token"});
  guarded_.setAuthorizer(auth.authorizer());
  api::v1::addRoutes(open_, {.store = store_, .allow_exec = true, .stream = hub_});
  api::v1::addRoutes(
      guarded_,
      {.store = store_, .allow_exec = false, .authorize = auth.authorizer(), .stream = hub_});
  ui_assets::addRoutes(open_);
  ui_assets::addRoutes(guarded_);
  reseed();
}

ApiWorld::~ApiWorld() {
  hub_->stop();
}

void ApiWorld::reseed() {
  etcd_->clear();
  // A fresh Store too: its rejections (each bad key reported once per process) would grow
  // from run to run, and a run must free what it allocated (RunScope).
  *store_ = store::Store(etcd_, "9volt");
  seedCluster(*etcd_, store_->keys());
}

api::Response ApiWorld::answer(api::Request request) {
  const bool token =
      request.header("x-access-token") != nullptr || request.header("authorization") != nullptr;
  const api::Router& router = token ? guarded_ : open_;
  // As the server's connection does: resolve() is not guarded (it must not throw), the
  // handler is.
  auto resolved = router.resolve(request);
  if (resolved.answer) {
    return std::move(*resolved.answer);
  }
  try {
    return (*resolved.handler)(request);
  } catch (const std::exception& e) {
    violated("a handler threw (the server answers 500)",
             fmt::format("{} {}: {}", request.method, request.raw_path, e.what()));
  }
}

void ApiWorld::checkAnswer(const api::Request& request, const api::Response& response) {
  // NINEVOLT_FUZZ_VERBOSE=1: every answer on stderr (to see what a corpus reaches).
  static const bool verbose = std::getenv("NINEVOLT_FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    std::fprintf(stderr, "%s %s -> %d %.200s\n", request.method.c_str(), request.raw_path.c_str(),
                 response.status, response.body.c_str());
  }
  const std::string what = fmt::format("{} {} -> {} {}", request.method, request.raw_path,
                                       response.status, response.body.substr(0, 2000));
  check(response.status >= 100 && response.status <= 599, "an answer with a bad status", what);
  check(response.status != 500, "an answer 500 (bad input must be a 4xx)", what);
  if (response.content_type == "application/json" && !response.stream) {
    check(common::parseJson(response.body).has_value(), "a JSON answer that is not JSON", what);
  }
}

void seedCluster(testing::MemoryEtcd& etcd, const store::Keys& keys) {
  auto put = [&etcd](const std::string& key, const std::string& value) { etcd.put(key, value); };
  // Members live on their lease (a record on none is not a live member; the in-memory etcd
  // does not check that the lease exists).
  const int64_t lease = 0x1001;
  auto putMember = [&etcd, lease](const std::string& key, const std::string& value) {
    etcd.put(key, value, {.lease = lease});
  };
  put(keys.clusterConfig(),
      R"({"member-ttl":"5s","state-dump-interval":"10s","event-retention":"24h","event-max-count":10000})");
  put(keys.monitor("self-health"),
      R"({"type":"http","description":"9volt's own /status/check","host":"127.0.0.1","port":8080,"url":"/status/check","interval":"10s","timeout":"2s","status-code":200,"expect":"\"status\":\"ok\"","warning-threshold":1,"critical-threshold":3,"warning-alerter":["local-webhook"],"critical-alerter":["local-webhook"],"tags":["self","http"]})");
  put(keys.monitor("self-tcp"),
      R"({"type":"tcp","host":"127.0.0.1","port":8080,"interval":"15s","critical-threshold":2,"critical-alerter":["local-webhook"],"tags":["self"],"member-tag":"lab"})");
  put(keys.monitor("disk-space"),
      R"({"type":"exec","command":"/bin/sh","args":["-c","df -P /"],"plugin":"nagios","interval":"30s","timeout":"5s","tags":["host"]})");
  put(keys.monitor("local-dns"),
      R"({"type":"dns","host":"127.0.0.1","dns-target":"localhost","dns-record-type":"A","expect":"127\\.0\\.0\\.1","interval":"30s","disable":true})");
  put(keys.alerter("local-webhook"),
      R"({"type":"webhook","description":"posts alerts","options":{"url":"http://127.0.0.1:9999/alerts"}})");
  putMember(
      keys.member("m1"),
      R"({"id":"m1","hostname":"a","listen":"127.0.0.1:8080","tags":["lab"],"version":"0.1.0","started":"2026-01-02T03:04:05Z","checks":2})");
  putMember(
      keys.member("m2"),
      R"({"id":"m2","hostname":"b","listen":"127.0.0.1:8081","tags":[],"version":"0.1.0","started":"2026-01-02T03:04:06Z","checks":1})");
  put(keys.director(), R"({"id":"m1","since":"2026-01-02T03:04:05Z"})");
  put(keys.assignmentShard("m1", "00"), R"(["self-health","self-tcp"])");
  put(keys.assignmentShard("m2", "00"), R"(["disk-space"])");
  put(keys.state("self-health"),
      R"({"check":"self-health","owner":"m1","status":"ok","result":"ok","count":0,"message":"200 OK","date":"2026-01-02T03:04:07Z","duration_ms":1.5})");
  put(keys.state("self-tcp"),
      R"({"check":"self-tcp","owner":"m1","status":"critical","result":"critical","count":3,"message":"connection refused","date":"2026-01-02T03:04:07Z","duration_ms":0.2})");
  put(keys.incident("self-tcp"),
      R"({"check":"self-tcp","id":"1767322447000-m1","seq":1,"status":"critical","resolved":false,"count":3,"last_failing":"critical","owner":"m1","error":"connection refused","opened":"2026-01-02T03:04:07.000000Z","updated":"2026-01-02T03:04:07.000000Z","alerters":{"local-webhook":{"kind":"critical","transition":"self-tcp/1767322447000-m1/1","delivered":true,"failed":false}}})");
  auto t0 = common::parseRfc3339("2026-01-02T03:04:05Z").value_or(common::SystemTime{});
  store::Event joined{.type = store::kEventInfo,
                      .kind = store::event_kind::kMemberJoined,
                      .message = "member m2 joined (no tags)",
                      .time = t0,
                      .member_id = "m1",
                      .member = "m2"};
  store::Event state{.type = store::kEventError,
                     .kind = store::event_kind::kCheckState,
                     .message = "self-tcp: ok -> critical",
                     .time = t0 + std::chrono::seconds(2),
                     .member_id = "m1",
                     .check = "self-tcp"};
  put(keys.event(joined.time, "m1", 1), joined.toJson().dump());
  put(keys.event(state.time, "m1", 2), state.toJson().dump());
  put(keys.eventLease(), R"({"id":4096,"ttl":86400,"granted":"2026-01-02T03:04:05Z"})");
}

}  // namespace ninevolt::fuzz
