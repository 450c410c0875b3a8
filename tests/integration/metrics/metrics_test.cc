// GET /metrics of a running `9volt server` on a real etcd, with checks against local
// targets (the server's own port, and a port nothing listens on): the text parses with the
// reference parser (prometheus_client), every family is there with the right type, the
// owned checks' series appear with sensible values and vanish when a check is deleted,
// and --metrics-auth asks for a token.
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "receiver.h"  // tests/integration/alerts/receivers: a real local HTTP receiver
#include "support/etcd_fixture.h"
#include "support/process.h"

namespace ninevolt {
namespace {

using ninevolt::testing::eventually;
using ninevolt::testing::freePort;
using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Reply {
  int status = 0;
  std::string body;
  std::string content_type;
};

// GET with a 10 s deadline; status 0 when nothing answered.
Reply get(uint16_t port, const std::string& target,
          const std::map<std::string, std::string>& headers = {}) {
  auto r = ninevolt::testing::httpCall(port, "GET", target, {}, headers, std::chrono::seconds(10));
  return {r.status, std::move(r.body), r.headers["Content-Type"]};
}

// One parsed sample.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// The exposition as the reference parser read it.
struct Parsed {
  bool ok = false;
  std::string error;
  std::map<std::string, std::string> types;  // family (as the parser names it) -> type
  std::vector<Sample> samples;

  std::vector<Sample> find(const std::string& name,
                           const std::map<std::string, std::string>& labels = {}) const {
    std::vector<Sample> found;
    for (const auto& s : samples) {
      if (s.name != name) {
        continue;
      }
      bool match = true;
      for (const auto& [k, v] : labels) {
        auto it = s.labels.find(k);
        match = match && it != s.labels.end() && it->second == v;
      }
      if (match) {
        found.push_back(s);
      }
    }
    return found;
  }
  // The value of the one sample matching; NaN when there is none or several.
  double value(const std::string& name,
               const std::map<std::string, std::string>& labels = {}) const {
    auto f = find(name, labels);
    return f.size() == 1 ? f[0].value : std::nan("");
  }
  bool mentions(const std::string& label, const std::string& value) const {
    for (const auto& s : samples) {
      auto it = s.labels.find(label);
      if (it != s.labels.end() && it->second == value) {
        return true;
      }
    }
    return false;
  }
};

class Metrics : public ninevolt::testing::EtcdTest {
 protected:
  struct Member {
    std::unique_ptr<ninevolt::testing::Process> process;
    uint16_t port = 0;
  };
  // A `9volt server` on a free port, answering /status/check.
  Member startMember(std::vector<std::string> extra, const std::string& name) {
    Member m;
    m.port = freePort();
    std::vector<std::string> argv{
        NINEVOLT_BINARY,   "server",    "--listen", "127.0.0.1:" + std::to_string(m.port), "-e",
        etcd_->endpoint(), "--workers", "2"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    m.process = std::make_unique<ninevolt::testing::Process>(
        argv, std::map<std::string, std::string>{}, (dir_->path() / (name + ".log")).string());
    const bool up = eventually([&] { return get(m.port, "/status/check").status == 200; },
                               std::chrono::seconds(60));
    EXPECT_TRUE(up) << m.process->output();
    if (!up) {
      m.process.reset();
    }
    return m;
  }
  void startServer(std::vector<std::string> extra) {
    auto m = startMember(std::move(extra), "server");
    ASSERT_TRUE(m.process);
    server_ = std::move(m.process);
    port_ = m.port;
  }

  void putMonitor(const std::string& name, const nlohmann::json& spec) {
    ASSERT_TRUE(client_->put("/9volt/monitor/" + name, spec.dump()));
  }

  // Parses text with tests/support/parse_metrics.py (Debian's python3-prometheus-client).
  Parsed parse(const std::string& text) {
    Parsed p;
    const auto in = dir_->path() / "scrape.txt";
    const auto err = dir_->path() / "parse.err";
    std::ofstream(in) << text;
    std::string cmd = std::string(NV_SYSTEM_PYTHON3) + " " + NV_PARSE_METRICS_PY + " " + in.string()
                      + " 2>" + err.string();
    FILE* f = popen(cmd.c_str(), "r");
    if (f == nullptr) {
      p.error = "cannot run the parser";
      return p;
    }
    std::string out;
    char buf[65536];
    size_t n = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
      out.append(buf, n);
    }
    const int rc = pclose(f);
    if (rc != 0) {
      std::ifstream e(err);
      p.error = std::string(std::istreambuf_iterator<char>(e), {});
      return p;
    }
    auto j = nlohmann::json::parse(out);
    for (const auto& [name, fam] : j["families"].items()) {
      p.types[name] = fam["type"];
    }
    for (const auto& s : j["samples"]) {
      p.samples.push_back({s["name"], s["labels"].get<std::map<std::string, std::string>>(),
                           s["value"].get<double>()});
    }
    p.ok = true;
    return p;
  }

  Parsed scrape(const std::map<std::string, std::string>& headers = {}) {
    return scrapeAt(port_, headers);
  }
  Parsed scrapeAt(uint16_t port, const std::map<std::string, std::string>& headers = {}) {
    auto r = get(port, "/metrics", headers);
    EXPECT_EQ(r.status, 200);
    EXPECT_THAT(r.content_type, StartsWith("text/plain; version=0.0.4"));
    return parse(r.body);
  }

  std::unique_ptr<ninevolt::testing::Process> server_;
  uint16_t port_ = 0;
};

// Buckets of one histogram series: cumulative, ending with +Inf == _count.
void expectHistogram(const Parsed& p, const std::string& name,
                     const std::map<std::string, std::string>& labels, double min_count) {
  auto buckets = p.find(name + "_bucket", labels);
  ASSERT_GE(buckets.size(), 2U) << name;
  double last = 0;
  for (const auto& b : buckets) {
    EXPECT_GE(b.value, last) << name << " le=" << b.labels.at("le");
    last = b.value;
  }
  EXPECT_EQ(buckets.back().labels.at("le"), "+Inf") << name;
  EXPECT_EQ(buckets.front().labels.at("le"), "0.001") << name;
  EXPECT_EQ(buckets.back().value, p.value(name + "_count", labels)) << name;
  EXPECT_GE(p.value(name + "_count", labels), min_count) << name;
  EXPECT_GE(p.value(name + "_sum", labels), 0) << name;
}

TEST_F(Metrics, ScrapeParsesAndShowsTheOwnedChecks) {
  const uint16_t dead = freePort();  // nothing listens there
  // A webhook receiver that fails the first delivery (500: retried) and takes the next.
  std::atomic<int> deliveries{0};
  alerts::testing::Receiver hook([&](const alerts::testing::Receiver::Request&) {
    return alerts::testing::Receiver::Reply{.status = deliveries++ == 0 ? 500 : 200};
  });
  ASSERT_TRUE(client_->put(
      "/9volt/alerter/hook",
      nlohmann::json{{"type", "webhook"}, {"options", {{"url", hook.url() + "/hook"}}}}.dump()));
  // Tokens are set, but /metrics stays open without --metrics-auth.
  startServer({"-a", "rw-token", "--location", "eu-west"});
  putMonitor("self-http", {{"type", "http"},
                           {"host", "127.0.0.1"},
                           {"port", port_},
                           {"url", "/version"},
                           {"interval", "1s"}});
  putMonitor("dead-tcp", {{"type", "tcp"},
                          {"host", "127.0.0.1"},
                          {"port", dead},
                          {"interval", "1s"},
                          {"critical-alerter", {"hook"}}});
  putMonitor("off", {{"type", "tcp"},
                     {"host", "127.0.0.1"},
                     {"port", port_},
                     {"interval", "1s"},
                     {"disable", true}});
  EXPECT_EQ(get(port_, "/api/v1/state").status, 401);  // the tokens are on

  Parsed p;
  ASSERT_TRUE(eventually(
      [&] {
        p = scrape();
        return p.ok && p.value("ninevolt_check_up", {{"check", "self-http"}}) == 1
               && p.value("ninevolt_check_failures_total",
                          {{"check", "dead-tcp"}, {"reason", "connect"}})
                      >= 2
               && p.value("ninevolt_alerts_sent_total", {{"type", "webhook"}}) == 1;
      },
      std::chrono::seconds(30)))
      << p.error << server_->output();

  // Types as declared (the parser names counters without _total).
  const std::map<std::string, std::string> kTypes{
      {"ninevolt_build_info", "gauge"},
      {"ninevolt_member_info", "gauge"},
      {"ninevolt_etcd_request_duration_seconds", "histogram"},
      {"ninevolt_etcd_request_errors", "counter"},
      {"ninevolt_etcd_lease_live", "gauge"},
      {"ninevolt_etcd_db_size_bytes", "gauge"},
      {"ninevolt_etcd_db_size_in_use_bytes", "gauge"},
      {"ninevolt_etcd_alarms", "gauge"},
      {"ninevolt_etcd_compactions", "counter"},
      {"ninevolt_watchdog_calls", "counter"},
      {"ninevolt_watchdog_failures", "counter"},
      {"ninevolt_etcd_compacted_revision", "gauge"},
      {"ninevolt_engine_checks", "gauge"},
      {"ninevolt_engine_runs", "counter"},
      {"ninevolt_engine_skipped_runs", "counter"},
      {"ninevolt_engine_runs_in_flight", "gauge"},
      {"ninevolt_engine_runs_waiting", "gauge"},
      {"ninevolt_engine_check_errors", "counter"},
      {"ninevolt_engine_schedule_lag_seconds", "histogram"},
      {"ninevolt_cluster_is_director", "gauge"},
      {"ninevolt_cluster_members", "gauge"},
      {"ninevolt_cluster_orphans", "gauge"},
      {"ninevolt_cluster_checks_owned", "gauge"},
      {"ninevolt_alerts_sent", "counter"},
      {"ninevolt_alerts_failed", "counter"},
      {"ninevolt_alerts_retried", "counter"},
      {"ninevolt_alerts_queued", "gauge"},
      {"ninevolt_alerts_dropped", "counter"},
      {"ninevolt_alerts_suppressed", "counter"},
      {"ninevolt_alerts_reminders", "counter"},
      {"ninevolt_alerts_escalations", "counter"},
      {"ninevolt_alerts_acks", "counter"},
      {"ninevolt_alerts_flapping", "counter"},
      {"ninevolt_alerts_flapping_stopped", "counter"},
      {"ninevolt_alerts_digested", "counter"},
      {"ninevolt_alerts_digests_sent", "counter"},
      {"ninevolt_alerts_digests_failed", "counter"},
      {"ninevolt_alerts_abandoned", "counter"},
      {"ninevolt_check_up", "gauge"},
      {"ninevolt_check_state", "gauge"},
      {"ninevolt_check_last_duration_seconds", "gauge"},
      {"ninevolt_check_runs", "counter"},
      {"ninevolt_check_failures", "counter"},
  };
  for (const auto& [family, type] : kTypes) {
    EXPECT_EQ(p.types[family], type) << family;
  }
  EXPECT_EQ(p.types.size(), kTypes.size());

  EXPECT_EQ(p.value("ninevolt_build_info"), 1);
  EXPECT_EQ(p.value("ninevolt_member_info", {{"location", "eu-west"}}), 1);
  // One member: it is the director, sees itself, owns both enabled checks.
  EXPECT_EQ(p.value("ninevolt_cluster_is_director"), 1);
  EXPECT_EQ(p.value("ninevolt_cluster_members"), 1);
  EXPECT_EQ(p.value("ninevolt_cluster_orphans"), 0);
  EXPECT_EQ(p.value("ninevolt_cluster_checks_owned"), 2);
  EXPECT_EQ(p.value("ninevolt_etcd_lease_live"), 1);
  EXPECT_EQ(p.value("ninevolt_etcd_alarms"), 0);
  EXPECT_EQ(p.value("ninevolt_engine_checks"), 2);
  EXPECT_GE(p.value("ninevolt_engine_runs_total"), 3);  // 1 + 2 at least (above)
  EXPECT_GE(p.value("ninevolt_engine_runs_in_flight"), 0);
  expectHistogram(p, "ninevolt_engine_schedule_lag_seconds", {}, 3);
  // The member has read and written etcd (registration, placement, state).
  expectHistogram(p, "ninevolt_etcd_request_duration_seconds", {{"operation", "txn"}}, 1);
  expectHistogram(p, "ninevolt_etcd_request_duration_seconds", {{"operation", "status"}}, 1);
  // "lease grant" in the client's words: the label says lease_grant.
  expectHistogram(p, "ninevolt_etcd_request_duration_seconds", {{"operation", "lease_grant"}}, 1);
  EXPECT_EQ(p.find("ninevolt_etcd_request_errors_total").size(), 10U);
  // dead-tcp went critical: one alert, sent on the second attempt.
  EXPECT_EQ(p.value("ninevolt_alerts_retried_total", {{"type", "webhook"}}), 1);
  EXPECT_EQ(p.value("ninevolt_alerts_failed_total", {{"type", "webhook"}}), 0);
  EXPECT_EQ(deliveries, 2);
  EXPECT_EQ(p.value("ninevolt_alerts_queued"), 0);
  for (const char* type : {"email", "pagerduty", "slack"}) {
    EXPECT_EQ(p.value("ninevolt_alerts_sent_total", {{"type", type}}), 0) << type;
    EXPECT_EQ(p.value("ninevolt_alerts_failed_total", {{"type", type}}), 0) << type;
    EXPECT_EQ(p.value("ninevolt_alerts_retried_total", {{"type", type}}), 0) << type;
  }

  // Per-check series: the owned checks only, with their type, state and failure reason.
  EXPECT_EQ(p.value("ninevolt_check_up", {{"check", "self-http"}, {"type", "http"}}), 1);
  EXPECT_EQ(p.value("ninevolt_check_up", {{"check", "dead-tcp"}, {"type", "tcp"}}), 0);
  EXPECT_EQ(p.value("ninevolt_check_state", {{"check", "dead-tcp"}, {"state", "critical"}}), 1);
  EXPECT_EQ(p.value("ninevolt_check_state", {{"check", "dead-tcp"}, {"state", "ok"}}), 0);
  EXPECT_EQ(p.value("ninevolt_check_state", {{"check", "self-http"}, {"state", "ok"}}), 1);
  EXPECT_EQ(p.find("ninevolt_check_state", {{"check", "self-http"}}).size(), 3U);
  const double runs = p.value("ninevolt_check_runs_total", {{"check", "dead-tcp"}});
  EXPECT_GE(runs, 2);
  EXPECT_EQ(p.find("ninevolt_check_failures_total", {{"check", "dead-tcp"}}).size(), 1U);
  EXPECT_LE(p.value("ninevolt_check_failures_total", {{"check", "dead-tcp"}}), runs);
  EXPECT_TRUE(p.find("ninevolt_check_failures_total", {{"check", "self-http"}}).empty());
  const double took = p.value("ninevolt_check_last_duration_seconds", {{"check", "self-http"}});
  EXPECT_GT(took, 0);
  EXPECT_LT(took, 5);
  EXPECT_FALSE(p.mentions("check", "off"));  // disabled: not run, no series

  // A check deleted from etcd leaves this member: its series vanish.
  ASSERT_TRUE(client_->del("/9volt/monitor/dead-tcp"));
  ASSERT_TRUE(eventually(
      [&] {
        p = scrape();
        return p.ok && !p.mentions("check", "dead-tcp");
      },
      std::chrono::seconds(20)))
      << p.error;
  EXPECT_EQ(p.value("ninevolt_cluster_checks_owned"), 1);
  EXPECT_EQ(p.value("ninevolt_engine_checks"), 1);
  EXPECT_EQ(p.value("ninevolt_check_up", {{"check", "self-http"}}), 1);
}

// The checks that have per-check series in a scrape.
std::set<std::string> checksIn(const Parsed& p) {
  std::set<std::string> names;
  for (const auto& s : p.find("ninevolt_check_runs_total")) {
    names.insert(s.labels.at("check"));
  }
  return names;
}

TEST_F(Metrics, EachMemberReportsOnlyTheChecksItOwns) {
  startServer({});
  Member second = startMember({}, "second");
  ASSERT_TRUE(second.process);
  std::set<std::string> all;
  for (int i = 0; i < 8; ++i) {
    const std::string name = "c" + std::to_string(i);
    putMonitor(name, {{"type", "tcp"}, {"host", "127.0.0.1"}, {"port", port_}, {"interval", "1s"}});
    all.insert(name);
  }
  Parsed a, b;
  std::set<std::string> in_a, in_b;
  ASSERT_TRUE(eventually(
      [&] {
        a = scrape();
        b = scrapeAt(second.port);
        if (!a.ok || !b.ok) {
          return false;
        }
        in_a = checksIn(a);
        in_b = checksIn(b);
        std::set<std::string> both = in_a;
        both.insert(in_b.begin(), in_b.end());
        // Placement settled: every check on exactly one member, series included.
        return both == all && in_a.size() + in_b.size() == all.size()
               && a.value("ninevolt_cluster_checks_owned") == static_cast<double>(in_a.size())
               && b.value("ninevolt_cluster_checks_owned") == static_cast<double>(in_b.size());
      },
      std::chrono::seconds(30)))
      << a.error << b.error << checksIn(a).size() << "+" << checksIn(b).size();
  std::cout << "checks per member: " << in_a.size() << " + " << in_b.size() << "\n";
  EXPECT_EQ(a.value("ninevolt_engine_checks"), static_cast<double>(in_a.size()));
  EXPECT_EQ(b.value("ninevolt_engine_checks"), static_cast<double>(in_b.size()));
  // One director, which sees both members; the other does not watch them: 0.
  EXPECT_EQ(a.value("ninevolt_cluster_is_director") + b.value("ninevolt_cluster_is_director"), 1);
  const Parsed& director = a.value("ninevolt_cluster_is_director") == 1 ? a : b;
  const Parsed& other = &director == &a ? b : a;
  EXPECT_EQ(director.value("ninevolt_cluster_members"), 2);
  EXPECT_EQ(other.value("ninevolt_cluster_members"), 0);
  EXPECT_EQ(a.value("ninevolt_etcd_lease_live"), 1);
  EXPECT_EQ(b.value("ninevolt_etcd_lease_live"), 1);
}

TEST_F(Metrics, MetricsAuthAsksForAToken) {
  startServer({"-a", "rw-token", "--read-tokens", "ro-token", "--metrics-auth"});
  EXPECT_EQ(get(port_, "/metrics").status, 401);
  EXPECT_EQ(get(port_, "/metrics", {{"X-Access-Token", "wrong"}}).status, 401);
  EXPECT_EQ(get(port_, "/status/check").status, 200);  // still open
  Parsed p = scrape({{"Authorization", "Bearer ro-token"}});
  EXPECT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.value("ninevolt_build_info"), 1);
  auto rw = get(port_, "/metrics", {{"X-Access-Token", "rw-token"}});
  EXPECT_EQ(rw.status, 200);
  EXPECT_THAT(rw.body, HasSubstr("# TYPE ninevolt_engine_runs_total counter\n"));
}

}  // namespace
}  // namespace ninevolt
