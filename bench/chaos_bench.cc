// chaos_bench: a real 9volt cluster under a random (seeded) schedule of disturbances, with
// its promises checked continuously from outside (issue 11 §2, "A chaos run"). See README.md
// ("Chaos run").
//
// Set-up, all on 127.0.0.0/8 and stopped by pid at the end: a real etcd (Debian's
// etcd-server through 9volt's own launcher), 3 `9volt server` members each talking to etcd
// through its own TcpProxy (so one of them can be cut off while etcd runs), 1,000 checks:
// http checks of the RecordingTarget (it logs which member ran which check, from the
// User-Agent), tcp checks of local listeners, some of both flipping between up and down
// with alerters pointing at two local webhook receivers (one of which refuses 20% of the
// requests, so deliveries are retried), and a few disabled ones.
//
// Disturbances, one after another with quiet time between: kill -9 of a member then restart
// (same port, so same member id), SIGTERM then restart, etcd SIGSTOP for 1-4 x TTL then
// SIGCONT, one member cut from etcd (its proxy) for 1-4 x TTL, config edits (interval and
// url of a few checks), deletes and re-adds of monitors. After each disturbance a new
// monitor is added and must run within 3 s.
//
// Checked from outside while it runs (a "must hold" period starts TTL + 2 s after each
// disturbance event and lasts until the next one):
// - every enabled check is in the engine of exactly one live member (the per-check series of
//   each member's /metrics: a member has them exactly while it runs the check), deleted and
//   disabled ones in none; every http check ran, and on one member only, as the target saw
//   it; every tcp check's run counter went up on its one owner;
// - exactly one member says it is the director (/metrics) and etcd's director key names it;
// - a monitor added (or re-added, or changed) runs within 3 s (+ its interval for a changed
//   or re-added check, which keeps its phase);
// - alerts: per transition id delivered once, per check and alerter W? C? R incidents, every
//   long down period alerted, everything resolved at the end (alert_ledger.h);
// - members' RSS and open fds from /proc stay under a bound (max and growth reported).
// Exit 1 on any violation.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include "alert_ledger.h"
#include "common/ids.h"
#include "e2e/recording_target.h"
#include "e2e/tcp_proxy.h"
#include "etcd/client.h"
#include "etcd/embedded_etcd.h"
#include "member_metrics.h"
#include "pid_stats.h"
#include "receiver.h"
#include "support/process.h"
#include "tcp_listeners.h"

namespace ninevolt::bench {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
using alerts::testing::Receiver;
using e2e::RecordingTarget;
using e2e::TcpProxy;

constexpr int64_t kNewMonitorBoundMs = 3000;  // issue 11: a new monitor runs within 3 s
constexpr size_t kMembers = 3;

struct Flags {
  std::string binary;
  std::string etcd_binary = "etcd";
  double duration_s = 600;
  uint64_t seed = 0;  // 0: from the clock (printed)
  size_t checks = 1000;
  int ttl_s = 2;
  double poll_ms = 400;
  int64_t rss_limit_mib = 256;
  int64_t fd_limit = 512;
  std::string out = ".";
  std::string label = "chaos";
  double settle_timeout_s = 120;
  std::vector<std::string> kinds;  // empty: all, weighted
};

int64_t wallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void sleepMs(int64_t ms) {
  if (ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  }
}

std::string durationText(int64_t ms) {
  return ms % 1000 == 0 ? fmt::format("{}s", ms / 1000) : fmt::format("{}ms", ms);
}

double secs(int64_t ms) {
  return static_cast<double>(ms) / 1000.0;
}

// One monitor as the harness wrote it (the harness is the only writer of monitors).
enum class MonKind { kHttp, kTcp };
struct Mon {
  std::string name;
  MonKind kind = MonKind::kHttp;
  bool flipper = false;  // its target goes down and up; it alerts
  bool enabled = true;   // false: written with disable: true
  bool present = false;  // the monitor exists in etcd
  int64_t interval_ms = 2000;
  int gen = 0;             // http: url /c/<name>/g<gen>, so the target tells specs apart
  size_t listener = 0;     // tcp: index into TcpListeners
  int64_t changed_ms = 0;  // harness time of the last write (its own bound runs from there)
  int64_t first_write_ms = 0;
};

// A member slot: the same listen port (so the same member id) across restarts.
struct Slot {
  size_t index = 0;
  uint16_t port = 0;
  std::string id;
  std::unique_ptr<TcpProxy> proxy;
  std::unique_ptr<testing::Process> process;  // main thread only
  int incarnation = 0;
  bool running = false;
  bool cut = false;  // its proxy to etcd is cut
  std::string log_file;
  std::vector<std::string> logs;  // every incarnation's log file
};

// What the checker thread needs of a slot, copied under the lock.
struct SlotView {
  size_t index = 0;
  uint16_t port = 0;
  std::string id;
  pid_t pid = -1;
  int incarnation = 0;
  bool running = false;
  bool cut = false;
};

struct Violation {
  int64_t from_ms = 0;
  int64_t to_ms = 0;
  std::string kind;
  std::string detail;
  int samples = 1;
};

struct Event {
  int64_t at_ms = 0;
  std::string what;
  int64_t bound_ms = 0;       // the invariants must hold again this long after it
  int64_t recovered_ms = -1;  // first sample after the last failing one, relative; -1: n/a
  bool interrupted = false;   // the next event came before a stable pass
};

struct Disturbance {
  std::string kind;
  std::string subject;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  std::vector<size_t> events;  // indexes into events_
  json extra = json::object();
};

// One invariant evaluation (a scrape of every live member).
struct Sample {
  int64_t t0 = 0;  // scraping started
  int64_t t1 = 0;  // done
  bool pass = false;
  bool must_hold = false;
  std::string placement_problem;  // "" if fine
  std::string director_problem;
  std::string scrape_problem;
  std::string health_problem;  // a live member's /status/check is not 200
  // check -> (slot index, runs) for checks listed on exactly one member
  std::map<std::string, std::pair<size_t, uint64_t>> owner;
};

// Memory and fds of one process incarnation over its life.
struct ProcTrack {
  std::string who;
  int64_t first_ms = 0;  // first sample at least 10 s into its life (start-up excluded)
  int64_t last_ms = 0;
  int64_t rss_first_kib = 0, rss_last_kib = 0, rss_max_kib = 0;
  int64_t fds_first = 0, fds_last = 0, fds_max = 0;
  int64_t samples = 0;
};

int64_t countFds(pid_t pid) {
  std::error_code ec;
  int64_t n = 0;
  for (fs::directory_iterator it(fmt::format("/proc/{}/fd", pid), ec), end; !ec && it != end;
       it.increment(ec)) {
    ++n;
  }
  return ec && n == 0 ? -1 : n;
}

// Every problem of a sample, " | " between kinds.
std::string problemText(const Sample& s) {
  std::string out;
  for (const auto* p :
       {&s.placement_problem, &s.director_problem, &s.scrape_problem, &s.health_problem}) {
    if (!p->empty()) {
      out += (out.empty() ? "" : " | ") + *p;
    }
  }
  return out;
}

// A flipping check's target (checker thread only).
struct Flip {
  std::string name;
  MonKind kind = MonKind::kHttp;
  size_t listener = 0;
  bool down = false;
  int64_t next_ms = 0;
  std::vector<DownPeriod> downs;
};

class Chaos {
 public:
  explicit Chaos(Flags f)
      : f_(std::move(f)),
        ttl_ms_(static_cast<int64_t>(f_.ttl_s) * 1000),
        bound_ms_(ttl_ms_ + 2000) {}
  int run();

 private:
  int64_t now() const { return target_->nowMs(); }
  std::string at(int64_t ms) const;    // "t=12.3s (12:34:56.789)"
  void log(const std::string& line);   // stdout and console.txt (any thread)
  void note(const std::string& line);  // console.txt only

  bool setUp();
  void buildMonitors();
  json specOf(const Mon& m) const;
  bool writeMonitors(const std::vector<std::string>& names, bool via_api, std::string* how);
  bool deleteMonitors(const std::vector<std::string>& names, bool via_api, std::string* how);
  bool startMember(Slot& s);
  bool waitSettled();
  void tearDown();

  // Disturbances (main thread).
  void disturb(const std::string& kind);
  void killAndRestart(Disturbance& d, bool term);
  void freezeEtcd(Disturbance& d);
  void cutMember(Disturbance& d);
  void editConfig(Disturbance& d);
  void deleteReadd(Disturbance& d);
  // Runs `action` (the disturbance step) with judging suspended, then records the event and
  // lets the invariants be judged again from bound_ms after it (never if `suspend`).
  size_t event(Disturbance& d, const std::string& what, int64_t bound_ms,
               const std::function<std::string()>& action = {}, bool suspend = false);
  Slot* pickMember(bool prefer_director);
  // Waits for a passing sample taken wholly after `after_ms`; returns its end or -1.
  int64_t waitPass(int64_t after_ms, int64_t timeout_ms);
  // Sleeps, watching for members that exit on their own.
  void idle(int64_t ms);
  void watchMembers();
  void newMonitor();
  int64_t firstHit(const std::string& check, int gen, int64_t since_ms, int64_t timeout_ms);
  void closeWindow(int64_t until_ms);
  void addViolation(int64_t from, int64_t to, const std::string& kind, const std::string& what);

  // The checker thread.
  void checkerLoop();
  Sample evaluate();
  void flipTargets(int64_t t);
  void sampleProcs(const std::vector<SlotView>& slots, int64_t t);
  std::vector<SlotView> slotViews();
  std::optional<std::string> etcdDirector();

  json summary();
  std::string humanSummary(const json& s) const;

  Flags f_;
  const int64_t ttl_ms_;
  const int64_t bound_ms_;
  uint64_t seed_ = 0;
  std::mt19937_64 rng_;  // main thread
  fs::path dir_;
  fs::path work_;
  int64_t wall_at_zero_ = 0;  // wall clock at harness time 0
  std::mutex console_mu_;
  std::ofstream console_;

  std::unique_ptr<RecordingTarget> target_;
  std::unique_ptr<TcpListeners> listeners_;
  std::unique_ptr<Receiver> hook_a_;
  std::unique_ptr<Receiver> hook_b_;
  std::unique_ptr<etcd::EmbeddedEtcd> etcd_;
  uint16_t etcd_port_ = 0;
  std::shared_ptr<etcd::Client> client_;  // writes (main thread)
  std::shared_ptr<etcd::Client> probe_;   // the checker's reads, short deadline
  std::vector<Slot> slots_;
  size_t stable_tcp_listeners_ = 8;

  // Shared between the main thread and the checker (mu_).
  mutable std::mutex mu_;
  std::map<std::string, Mon> mons_;
  bool suspended_ = true;  // no guarantee now (settling, etcd frozen)
  int64_t must_hold_from_ = INT64_MAX;
  uint64_t guard_gen_ = 0;       // changes at every event: a sample spanning one is not judged
  std::vector<Sample> history_;  // without owners (pass/fail timeline)
  std::shared_ptr<const Sample> last_;
  std::shared_ptr<const Sample> window_first_;  // first must-hold sample of the open window
  std::vector<Violation> violations_;
  std::optional<Violation> open_episode_;
  std::vector<Notification> alerts_;
  std::map<std::string, ProcTrack> procs_;  // "m0#2" / "etcd"
  std::vector<Flip> flips_;                 // checker thread while it runs
  bool flipping_ = false;
  bool all_up_ = false;  // stop flipping, bring every target up
  int64_t scrapes_ = 0;
  int64_t scrape_failures_ = 0;
  int64_t scrape_max_ms_ = 0;
  struct SlowScrape {
    int64_t at_ms;
    size_t member;
    int64_t took_ms;
  };
  std::vector<SlowScrape> slow_scrapes_;  // /metrics answers that took 1 s or more
  int64_t samples_ = 0;
  int64_t must_hold_samples_ = 0;
  int64_t failed_must_hold_samples_ = 0;

  std::atomic<bool> stop_{false};
  std::thread checker_;

  // Main thread.
  std::vector<Event> events_;
  std::vector<Disturbance> disturbances_;
  std::vector<int64_t> kills_ms_;
  std::vector<double> new_monitor_ms_;
  std::vector<double> spec_change_ms_;  // edits and re-adds: first run with the new spec
  int64_t window_from_ = INT64_MAX;
  int new_seq_ = 0;
  std::string last_new_;
  int64_t run_start_ = 0;
  int64_t run_end_ = 0;
  size_t windows_closed_ = 0;
  size_t target_index_ = 0;  // target records consumed by closeWindow
};

std::string Chaos::at(int64_t ms) const {
  const int64_t wall = wall_at_zero_ + ms;
  const std::time_t s = static_cast<std::time_t>(wall / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  return fmt::format("t={:.1f}s ({:02}:{:02}:{:02}.{:03}Z)", secs(ms), tm.tm_hour, tm.tm_min,
                     tm.tm_sec, static_cast<int>(wall % 1000));
}

void Chaos::log(const std::string& line) {
  std::printf("  %s\n", line.c_str());
  note(line);
}

void Chaos::note(const std::string& line) {
  std::lock_guard lock(console_mu_);
  if (console_.is_open()) {
    console_ << line << "\n";
    console_.flush();
  }
}

// --- set-up ----------------------------------------------------------------------------------

void Chaos::buildMonitors() {
  // 1,000 by default: 3% flipping (2/3 http), 1% disabled, the rest 60% http every 2 s and
  // 40% tcp every 3 s. ~430 runs/s over the cluster.
  const size_t n = f_.checks;
  const size_t flips = std::max<size_t>(3, n * 3 / 100);
  const size_t flip_http = flips * 2 / 3;
  const size_t disabled = std::max<size_t>(1, n / 100);
  const size_t rest = n - flips - disabled;
  const size_t http = rest * 6 / 10;
  std::lock_guard lock(mu_);
  auto add = [&](Mon m) { mons_[m.name] = std::move(m); };
  for (size_t i = 0; i < flips; ++i) {
    Mon m;
    m.flipper = true;
    m.interval_ms = 1000;
    if (i < flip_http) {
      m.name = fmt::format("flip-http-{:03}", i);
      m.kind = MonKind::kHttp;
    } else {
      m.name = fmt::format("flip-tcp-{:03}", i - flip_http);
      m.kind = MonKind::kTcp;
      m.listener = stable_tcp_listeners_ + (i - flip_http);
    }
    add(m);
  }
  for (size_t i = 0; i < disabled; ++i) {
    Mon m;
    m.name = fmt::format("off-{:03}", i);
    m.enabled = false;
    add(m);
  }
  for (size_t i = 0; i < rest; ++i) {
    Mon m;
    if (i < http) {
      m.name = fmt::format("http-{:04}", i);
      m.interval_ms = 2000;
    } else {
      m.name = fmt::format("tcp-{:04}", i - http);
      m.kind = MonKind::kTcp;
      m.interval_ms = 3000;
      m.listener = (i - http) % stable_tcp_listeners_;
    }
    add(m);
  }
}

json Chaos::specOf(const Mon& m) const {
  json j{{"type", m.kind == MonKind::kHttp ? "http" : "tcp"},
         {"host", "127.0.0.1"},
         {"interval", durationText(m.interval_ms)},
         {"timeout", m.interval_ms <= 1000 ? "800ms" : "1s"}};
  if (m.kind == MonKind::kHttp) {
    j["port"] = target_->port();
    j["url"] = fmt::format("/c/{}/g{}", m.name, m.gen);
  } else {
    j["port"] = listeners_->port(m.listener);
  }
  if (m.flipper) {
    j["warning-threshold"] = 2;
    j["critical-threshold"] = 3;
    j["warning-alerter"] = {"hook-a"};
    j["critical-alerter"] = {"hook-a", "hook-b"};
    j["description"] = "chaos: its target goes down and up";
  }
  if (!m.enabled) {
    j["disable"] = true;
  }
  return j;
}

// Writes the current specs of `names` (mons_ already updated): through a live member's API
// (POST /api/v1/monitor, 128 per request) or straight into etcd (txns of 100), as `9volt cfg`
// and the API both end up doing. The API falls back to etcd when no member takes it.
bool Chaos::writeMonitors(const std::vector<std::string>& names, bool via_api, std::string* how) {
  std::vector<std::pair<std::string, json>> specs;
  {
    std::lock_guard lock(mu_);
    for (const auto& n : names) {
      specs.emplace_back(n, specOf(mons_.at(n)));
    }
  }
  if (via_api) {
    std::vector<Slot*> live;
    for (auto& s : slots_) {
      if (s.running) {
        live.push_back(&s);
      }
    }
    std::shuffle(live.begin(), live.end(), rng_);
    for (Slot* s : live) {
      bool ok = true;
      for (size_t i = 0; ok && i < specs.size(); i += 128) {
        json body = json::object();
        for (size_t k = i; k < std::min(specs.size(), i + 128); ++k) {
          body[specs[k].first] = specs[k].second;
        }
        auto r =
            testing::httpCall(s->port, "POST", "/api/v1/monitor", body.dump(),
                              {{"Content-Type", "application/json"}}, std::chrono::seconds(10));
        ok = r.status == 200 || r.status == 201;
        if (!ok) {
          log(fmt::format("    API of m{} answered {} to a monitor write: {}", s->index, r.status,
                          r.body.substr(0, 200)));
        }
      }
      if (ok) {
        if (how != nullptr) {
          *how = fmt::format("API of m{}", s->index);
        }
        return true;
      }
    }
  }
  std::vector<etcd::TxnOp> ops;
  for (size_t i = 0; i < specs.size(); ++i) {
    ops.push_back(etcd::TxnOp::put("/9volt/monitor/" + specs[i].first, specs[i].second.dump()));
    if (ops.size() == 100 || i + 1 == specs.size()) {
      auto r = client_->txn({}, ops);
      if (!r) {
        log("    etcd txn failed: " + r.error().message);
        return false;
      }
      ops.clear();
    }
  }
  if (how != nullptr) {
    *how = via_api ? "etcd (no API took it)" : "etcd";
  }
  return true;
}

bool Chaos::deleteMonitors(const std::vector<std::string>& names, bool via_api, std::string* how) {
  if (via_api) {
    for (auto& s : slots_) {
      if (!s.running) {
        continue;
      }
      bool ok = true;
      for (const auto& n : names) {
        auto r = testing::httpCall(s.port, "DELETE", "/api/v1/monitor/" + n, {}, {},
                                   std::chrono::seconds(10));
        ok = ok && (r.status == 200 || r.status == 204 || r.status == 404);
      }
      if (ok) {
        if (how != nullptr) {
          *how = fmt::format("API of m{}", s.index);
        }
        return true;
      }
    }
  }
  std::vector<etcd::TxnOp> ops;
  for (const auto& n : names) {
    ops.push_back(etcd::TxnOp::del("/9volt/monitor/" + n));
  }
  auto r = client_->txn({}, ops);
  if (how != nullptr) {
    *how = "etcd";
  }
  return r.has_value();
}

bool Chaos::startMember(Slot& s) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    const std::string listen = fmt::format("127.0.0.1:{}", s.port);
    {
      std::lock_guard lock(mu_);
      s.incarnation++;
      s.log_file = (dir_ / fmt::format("m{}.{}.log", s.index, s.incarnation)).string();
      s.logs.push_back(s.log_file);
      s.id = common::memberId(common::hostName(), listen);
    }
    auto p = std::make_unique<testing::Process>(
        std::vector<std::string>{f_.binary, "server", "--listen", listen, "-e", s.proxy->endpoint(),
                                 "--workers", "1"},
        std::map<std::string, std::string>{}, s.log_file);
    const int64_t until = now() + 30000;
    bool up = false;
    bool exited = false;
    while (now() < until) {
      if (p->wait(std::chrono::milliseconds(0))) {
        exited = true;
        break;
      }
      if (testing::httpGet(s.port, "/version")) {
        up = true;
        break;
      }
      sleepMs(50);
    }
    if (up) {
      std::lock_guard lock(mu_);
      s.process = std::move(p);
      s.running = true;
      return true;
    }
    const std::string out = p->output();
    log(fmt::format("m{} did not start ({}): {}", s.index, exited ? "exited" : "no answer in 30 s",
                    out.substr(out.size() > 600 ? out.size() - 600 : 0)));
    if (out.find("cannot listen") != std::string::npos) {
      std::lock_guard lock(mu_);
      s.port = testing::freePort();  // someone took the port: a new one (and a new id)
    }
  }
  return false;
}

bool Chaos::setUp() {
  target_ = std::make_unique<RecordingTarget>();
  wall_at_zero_ = wallMs() - target_->nowMs();
  const size_t n = f_.checks;
  const size_t flips = std::max<size_t>(3, n * 3 / 100);
  listeners_ = std::make_unique<TcpListeners>(stable_tcp_listeners_ + flips - flips * 2 / 3);
  auto receiver = [this](const std::string& hook, double refuse) {
    auto rng = std::make_shared<std::mt19937_64>(seed_ ^ std::hash<std::string>{}(hook));
    return std::make_unique<Receiver>([this, hook, refuse, rng](const Receiver::Request& req) {
      std::uniform_real_distribution<double> u(0, 1);
      const int status = u(*rng) < refuse ? 503 : 204;
      Notification n;
      n.at_ms = now();
      n.hook = hook;
      n.answered = status;
      auto j = json::parse(req.body, nullptr, false);
      if (j.is_object()) {
        n.check = j.value("check", "");
        n.kind = j.value("kind", "");
        n.transition = j.value("transition_id", "");
        n.member = j.value("member_id", "");
        n.error = j.value("error", "");
      } else {
        n.kind = "unparsable";
      }
      std::lock_guard lock(mu_);
      alerts_.push_back(std::move(n));
      return Receiver::Reply{status, ""};
    });
  };
  hook_a_ = receiver("hook-a", 0.0);
  hook_b_ = receiver("hook-b", 0.2);

  etcd::EmbeddedEtcd::Options o;
  o.data_dir = (work_ / "etcd").string();
  o.log_file = (dir_ / "etcd.log").string();
  o.binary = f_.etcd_binary;
  auto e = etcd::EmbeddedEtcd::start(o);
  if (!e) {
    log("etcd: " + e.error().message);
    return false;
  }
  etcd_ = std::move(*e);
  etcd_port_ =
      static_cast<uint16_t>(std::stoi(etcd_->endpoint().substr(etcd_->endpoint().rfind(':') + 1)));
  auto c = etcd::Client::create(
      {.endpoints = {etcd_->endpoint()}, .call_timeout = std::chrono::seconds(10)});
  auto p = etcd::Client::create(
      {.endpoints = {etcd_->endpoint()}, .call_timeout = std::chrono::seconds(1)});
  if (!c || !p) {
    log("etcd client failed");
    return false;
  }
  client_ = *c;
  probe_ = *p;
  log(fmt::format("etcd {} pid {}; target :{}; hooks :{} (answers 204) and :{} (503 for 20%)",
                  etcd_->endpoint(), etcd_->pid(), target_->port(), hook_a_->port(),
                  hook_b_->port()));

  if (!client_->put("/9volt/config", json{{"member-ttl", fmt::format("{}s", f_.ttl_s)}}.dump())) {
    return false;
  }
  const std::vector<std::pair<std::string, Receiver*>> hooks{{"hook-a", hook_a_.get()},
                                                             {"hook-b", hook_b_.get()}};
  for (const auto& [name, r] : hooks) {
    json spec{{"type", "webhook"}, {"options", {{"url", r->url() + "/" + name}}}};
    if (!client_->put("/9volt/alerter/" + name, spec.dump())) {
      return false;
    }
  }
  buildMonitors();
  std::vector<std::string> names;
  {
    std::lock_guard lock(mu_);
    for (auto& [name, m] : mons_) {
      m.present = true;
      m.changed_ms = m.first_write_ms = now();
      names.push_back(name);
    }
  }
  if (!writeMonitors(names, false, nullptr)) {
    return false;
  }
  slots_.resize(kMembers);
  for (size_t i = 0; i < kMembers; ++i) {
    slots_[i].index = i;
    slots_[i].port = testing::freePort();
    slots_[i].proxy = std::make_unique<TcpProxy>("127.0.0.1", etcd_port_);
  }
  for (auto& s : slots_) {
    if (!startMember(s)) {
      return false;
    }
    log(fmt::format("m{}: member {} on :{} (etcd through proxy :{}), pid {}", s.index, s.id, s.port,
                    s.proxy->port(), s.process->pid()));
  }
  return true;
}

bool Chaos::waitSettled() {
  // Every check placed once, a director, and every enabled http check seen at the target.
  const int64_t t0 = now();
  const int64_t until = t0 + static_cast<int64_t>(f_.settle_timeout_s * 1000);
  while (now() < until) {
    idle(500);
    auto s = std::atomic_load(&last_);
    if (s && s->t0 > t0 && s->pass) {
      std::set<std::string> seen;
      for (const auto& h : target_->hits()) {
        seen.insert(h.check);
      }
      std::lock_guard lock(mu_);
      bool all = true;
      for (const auto& [name, m] : mons_) {
        if (m.kind == MonKind::kHttp && m.enabled && !seen.contains(name)) {
          all = false;
          break;
        }
      }
      if (all) {
        log(
            fmt::format("settled after {:.1f} s: every check placed once, one director, every "
                        "http check ran",
                        secs(now() - t0)));
        return true;
      }
    }
  }
  auto s = std::atomic_load(&last_);
  log("did not settle: " + (s ? problemText(*s) : std::string("no sample")));
  return false;
}

// --- the checker thread ----------------------------------------------------------------------

std::vector<SlotView> Chaos::slotViews() {
  std::lock_guard lock(mu_);
  std::vector<SlotView> out;
  for (const auto& s : slots_) {
    out.push_back({s.index, s.port, s.id, s.process ? s.process->pid() : -1, s.incarnation,
                   s.running, s.cut});
  }
  return out;
}

std::optional<std::string> Chaos::etcdDirector() {
  auto r = probe_->range("/9volt/cluster/director");
  if (!r) {
    return std::nullopt;
  }
  if (r->kvs.empty()) {
    return std::string();
  }
  auto j = json::parse(r->kvs[0].value, nullptr, false);
  return j.is_object() && j.contains("id") && j["id"].is_string() ? j["id"].get<std::string>()
                                                                  : std::string("<garbage>");
}

Sample Chaos::evaluate() {
  Sample s;
  uint64_t gen = 0;
  {
    std::lock_guard lock(mu_);
    gen = guard_gen_;
  }
  s.t0 = now();
  const auto slots = slotViews();
  std::map<size_t, MemberMetrics> got;
  std::vector<std::string> scrape;
  std::vector<std::string> health;
  for (const auto& v : slots) {
    if (!v.running) {
      continue;
    }
    const int64_t q0 = now();
    auto r = testing::httpCall(v.port, "GET", "/metrics", {}, {}, std::chrono::seconds(3));
    const int64_t took = now() - q0;
    {
      std::lock_guard lock(mu_);
      scrapes_++;
      scrape_failures_ += r.status == 200 ? 0 : 1;
      scrape_max_ms_ = std::max(scrape_max_ms_, took);
      if (took >= 1000) {
        slow_scrapes_.push_back({q0, v.index, took});
      }
    }
    if (r.status != 200) {
      scrape.push_back(fmt::format(
          "m{} answered /metrics with {}", v.index,
          r.status == 0 ? std::string("nothing (3 s deadline)") : std::to_string(r.status)));
      continue;
    }
    got[v.index] = parseMemberMetrics(r.body);
    // Health as a load balancer would see it: 200, except on a member cut from etcd, which
    // must say it is degraded (docs/operations.md; DESIGN "Failure model").
    auto h = testing::httpCall(v.port, "GET", "/status/check", {}, {}, std::chrono::seconds(3));
    if (v.cut && h.status == 200) {
      health.push_back(fmt::format("m{} is cut from etcd and /status/check says 200", v.index));
    } else if (!v.cut && h.status != 200) {
      health.push_back(fmt::format("m{} /status/check {}", v.index,
                                   h.status == 0
                                       ? std::string("did not answer (3 s deadline)")
                                       : fmt::format("{} {}", h.status, h.body.substr(0, 160))));
    }
  }
  std::map<std::string, std::vector<size_t>> listed;
  for (const auto& [i, m] : got) {
    for (const auto& [check, runs] : m.runs) {
      listed[check].push_back(i);
    }
  }
  // Placement: enabled and present -> on exactly one member; otherwise on none. A monitor
  // written less than 3 s ago is judged by its own bound (new monitor / edit), not here.
  size_t missing = 0, doubled = 0, stale = 0, unknown = 0;
  std::vector<std::string> examples;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, m] : mons_) {
      if (m.changed_ms + kNewMonitorBoundMs > s.t0) {
        continue;
      }
      auto it = listed.find(name);
      const size_t on = it == listed.end() ? 0 : it->second.size();
      const bool want = m.present && m.enabled;
      auto where = [&] {
        std::string w;
        for (size_t i : it->second) {
          w += fmt::format("{}m{}", w.empty() ? "" : "+", i);
        }
        return w;
      };
      if (want && on == 0) {
        if (++missing <= 3) {
          examples.push_back(name + " on no member");
        }
      } else if (want && on > 1) {
        if (++doubled <= 3) {
          examples.push_back(name + " on " + where());
        }
      } else if (!want && on > 0) {
        if (++stale <= 3) {
          examples.push_back(fmt::format("{} ({}) still on {}", name,
                                         m.present ? "disabled" : "deleted", where()));
        }
      }
    }
    for (const auto& [name, on] : listed) {
      if (!mons_.contains(name) && ++unknown <= 3) {
        examples.push_back(name + " unknown to the harness");
      }
    }
  }
  if (missing + doubled + stale + unknown > 0) {
    std::string ex;
    for (const auto& e : examples) {
      ex += (ex.empty() ? "" : "; ") + e;
    }
    s.placement_problem = fmt::format(
        "{} enabled check(s) on no member, {} on several, {} deleted/disabled still "
        "running, {} unknown (e.g. {})",
        missing, doubled, stale, unknown, ex);
  }
  for (const auto& [check, on] : listed) {
    if (on.size() == 1) {
      s.owner[check] = {on[0], got[on[0]].runs.at(check)};
    }
  }
  // Director: one member says so, and etcd's key names it.
  std::vector<size_t> directors;
  for (const auto& [i, m] : got) {
    if (m.is_director == 1) {
      directors.push_back(i);
    }
  }
  bool must_hold = false;
  {
    std::lock_guard lock(mu_);
    must_hold = gen == guard_gen_ && !suspended_ && s.t0 >= must_hold_from_;
  }
  if (directors.size() != 1) {
    std::string who;
    for (size_t i : directors) {
      who += fmt::format(" m{}", i);
    }
    s.director_problem = fmt::format("{} member(s) say they are the director:{}", directors.size(),
                                     who.empty() ? " none" : who);
  } else if (must_hold || s.placement_problem.empty()) {
    // etcd is only asked when it should answer (not while frozen; the deadline is 1 s).
    auto d = etcdDirector();
    const std::string& id = slots[directors[0]].id;
    if (!d) {
      s.director_problem = "etcd did not answer the director key within 1 s";
    } else if (*d != id) {
      s.director_problem = fmt::format("m{} ({}) says it is the director, etcd's key names '{}'",
                                       directors[0], id, *d);
    }
  }
  if (!scrape.empty()) {
    for (const auto& x : scrape) {
      s.scrape_problem += (s.scrape_problem.empty() ? "" : "; ") + x;
    }
  }
  for (const auto& x : health) {
    s.health_problem += (s.health_problem.empty() ? "" : "; ") + x;
  }
  s.pass = s.placement_problem.empty() && s.director_problem.empty() && s.scrape_problem.empty()
           && s.health_problem.empty();
  s.t1 = now();
  {
    std::lock_guard lock(mu_);
    s.must_hold = must_hold && gen == guard_gen_;
  }
  return s;
}

void Chaos::flipTargets(int64_t t) {
  bool flipping = false, all_up = false;
  {
    std::lock_guard lock(mu_);
    flipping = flipping_;
    all_up = all_up_;
  }
  if (!flipping) {
    return;
  }
  static thread_local std::mt19937_64 rng(seed_ + 1);
  for (auto& f : flips_) {
    const bool go_down = !f.down && !all_up && t >= f.next_ms;
    const bool go_up = f.down && (all_up || t >= f.next_ms);
    if (!go_down && !go_up) {
      continue;
    }
    f.down = go_down;
    if (f.kind == MonKind::kHttp) {
      target_->setStatus(f.name, go_down ? 500 : 200);
    } else {
      listeners_->setOpen(f.listener, !go_down);
    }
    note(fmt::format("{}  target of {} {}", at(t), f.name, go_down ? "down" : "up"));
    if (go_down) {
      f.downs.push_back({f.name, t, 0});
      f.next_ms = t + std::uniform_int_distribution<int64_t>(25000, 40000)(rng);
    } else {
      f.downs.back().to_ms = t;
      f.next_ms = t + std::uniform_int_distribution<int64_t>(25000, 50000)(rng);
    }
  }
}

void Chaos::sampleProcs(const std::vector<SlotView>& slots, int64_t t) {
  auto track = [&](const std::string& who, pid_t pid) {
    PidStats st = readPidStats(pid);
    const int64_t fds = countFds(pid);
    if (st.rss_kib == 0 || fds < 0) {
      return;
    }
    std::lock_guard lock(mu_);
    ProcTrack& p = procs_[who];
    p.who = who;
    if (p.samples == 0) {
      p.first_ms = t;
      p.rss_first_kib = st.rss_kib;
      p.fds_first = fds;
    }
    p.samples++;
    p.last_ms = t;
    p.rss_last_kib = st.rss_kib;
    p.fds_last = fds;
    p.rss_max_kib = std::max(p.rss_max_kib, st.rss_kib);
    p.fds_max = std::max(p.fds_max, fds);
  };
  for (const auto& v : slots) {
    if (v.running && v.pid > 0) {
      track(fmt::format("m{}#{}", v.index, v.incarnation), v.pid);
    }
  }
  track("etcd", etcd_->pid());
}

void Chaos::checkerLoop() {
  int64_t last_proc = 0;
  std::map<std::string, int64_t> started;  // incarnation -> first seen (to skip start-up)
  while (!stop_) {
    const int64_t t = now();
    flipTargets(t);
    Sample s = evaluate();
    auto shared = std::make_shared<const Sample>(std::move(s));
    {
      std::lock_guard lock(mu_);
      samples_++;
      Sample light = *shared;
      light.owner.clear();
      history_.push_back(std::move(light));
      if (shared->must_hold) {
        must_hold_samples_++;
        if (!window_first_) {
          window_first_ = shared;
        }
      }
      // Consecutive failing must-hold samples are one violation episode.
      if (shared->must_hold && !shared->pass) {
        failed_must_hold_samples_++;
        const std::string kind = !shared->placement_problem.empty()  ? "placement"
                                 : !shared->director_problem.empty() ? "director"
                                 : !shared->scrape_problem.empty()   ? "metrics-unanswered"
                                                                     : "health";
        const std::string what = problemText(*shared);
        if (open_episode_ && open_episode_->kind == kind) {
          open_episode_->to_ms = shared->t1;
          open_episode_->samples++;
        } else {
          if (open_episode_) {
            violations_.push_back(*open_episode_);
          }
          open_episode_ = Violation{shared->t0, shared->t1, kind, what, 1};
        }
      } else if (open_episode_) {
        violations_.push_back(*open_episode_);
        open_episode_.reset();
      }
    }
    std::atomic_store(&last_, shared);
    if (t - last_proc >= 2000) {
      last_proc = t;
      const auto views = slotViews();
      // Start-up is excluded: an incarnation is tracked from 10 s into its life.
      std::vector<SlotView> settled;
      for (const auto& v : views) {
        const std::string key = fmt::format("m{}#{}", v.index, v.incarnation);
        auto [it, fresh] = started.try_emplace(key, t);
        if (v.running && t - it->second >= 10000) {
          settled.push_back(v);
        }
      }
      sampleProcs(settled, t);
    }
    sleepMs(static_cast<int64_t>(f_.poll_ms) - (now() - t));
  }
}

// --- disturbances (main thread) -------------------------------------------------------------

void Chaos::watchMembers() {
  for (auto& s : slots_) {
    if (!s.running || !s.process) {
      continue;
    }
    if (auto code = s.process->wait(std::chrono::milliseconds(0))) {
      {
        std::lock_guard lock(mu_);
        s.running = false;
      }
      const std::string out = s.process->output();
      addViolation(
          now(), now(), "member-exit",
          fmt::format("m{} ({}) exited on its own with {}; log {}; last lines: {}", s.index, s.id,
                      *code, s.log_file, out.substr(out.size() > 1500 ? out.size() - 1500 : 0)));
      log(fmt::format("m{} exited on its own ({}): restarting it", s.index, *code));
      startMember(s);
    }
  }
}

void Chaos::idle(int64_t ms) {
  const int64_t until = now() + ms;
  while (now() < until) {
    watchMembers();
    sleepMs(std::min<int64_t>(100, until - now()));
  }
}

void Chaos::addViolation(int64_t from, int64_t to, const std::string& kind,
                         const std::string& what) {
  log(fmt::format("VIOLATION {} at {}: {}", kind, at(from), what));
  std::lock_guard lock(mu_);
  violations_.push_back({from, to, kind, what, 1});
}

size_t Chaos::event(Disturbance& d, const std::string& what, int64_t bound_ms,
                    const std::function<std::string()>& action, bool suspend) {
  // Nothing is judged while the action runs (a sample in flight across it does not count:
  // the generation changes); the bound runs from when the action is done.
  closeWindow(now());
  {
    std::lock_guard lock(mu_);
    suspended_ = true;
    must_hold_from_ = INT64_MAX;
    window_from_ = INT64_MAX;
    window_first_.reset();
    guard_gen_++;
  }
  const std::string more = action ? action() : std::string();
  const int64_t t = now();
  {
    std::lock_guard lock(mu_);
    suspended_ = suspend;
    must_hold_from_ = suspend ? INT64_MAX : t + bound_ms;
    window_from_ = must_hold_from_;
    window_first_.reset();
    guard_gen_++;
  }
  events_.push_back({t, what + more, bound_ms});
  d.events.push_back(events_.size() - 1);
  log(fmt::format("{}  {}", at(t), what + more));
  return events_.size() - 1;
}

Slot* Chaos::pickMember(bool prefer_director) {
  std::vector<Slot*> live;
  for (auto& s : slots_) {
    if (s.running) {
      live.push_back(&s);
    }
  }
  if (live.empty()) {
    return nullptr;
  }
  if (prefer_director) {
    auto d = etcdDirector();
    for (Slot* s : live) {
      if (d && *d == s->id) {
        return s;
      }
    }
  }
  return live[std::uniform_int_distribution<size_t>(0, live.size() - 1)(rng_)];
}

int64_t Chaos::waitPass(int64_t after_ms, int64_t timeout_ms) {
  const int64_t until = now() + timeout_ms;
  while (now() < until) {
    auto s = std::atomic_load(&last_);
    if (s && s->t0 >= after_ms && s->pass) {
      return s->t1;
    }
    idle(50);
  }
  return -1;
}

void Chaos::killAndRestart(Disturbance& d, bool term) {
  std::uniform_real_distribution<double> coin(0, 1);
  Slot* s = pickMember(coin(rng_) < 0.4);
  if (s == nullptr) {
    return;
  }
  auto dir = etcdDirector();
  const bool was_director = dir && *dir == s->id;
  d.subject = fmt::format("m{}{}", s->index, was_director ? " (director)" : "");
  const std::string sig = term ? "SIGTERM" : "kill -9";
  event(d, fmt::format("{} of m{} {}{}", sig, s->index, s->id, was_director ? " (director)" : ""),
        bound_ms_, [&]() -> std::string {
          const int64_t t0 = now();
          s->process->signal(term ? SIGTERM : SIGKILL);
          if (!term) {
            kills_ms_.push_back(t0);
          }
          auto code = s->process->wait(std::chrono::seconds(term ? 20 : 5));
          {
            std::lock_guard lock(mu_);
            s->running = false;
          }
          if (!term) {
            return "";
          }
          d.extra["stop_s"] = secs(now() - t0);
          d.extra["exit_code"] = code ? *code : -1;
          if (!code || *code != 0) {
            addViolation(t0, now(), "sigterm-exit",
                         fmt::format("m{} after SIGTERM: {} (log {})", s->index,
                                     code ? fmt::format("exit code {}", *code)
                                          : std::string("still running after 20 s, killed"),
                                     s->log_file));
            s->process->signal(SIGKILL);
            s->process->wait(std::chrono::seconds(5));
          }
          return fmt::format(", exited in {:.2f} s with {}", secs(now() - t0), code ? *code : -1);
        });
  // Down for 0.5-3 x TTL: sometimes back before its old lease expired.
  const auto down_ms = static_cast<int64_t>(std::uniform_real_distribution<double>(0.5, 3.0)(rng_)
                                            * static_cast<double>(ttl_ms_));
  idle(down_ms);
  d.extra["down_s"] = secs(down_ms);
  bool started = false;
  event(d, fmt::format("m{} restarted after {:.1f} s down", s->index, secs(down_ms)), bound_ms_,
        [&]() -> std::string {
          const int64_t t0 = now();
          started = startMember(*s);
          return started
                     ? fmt::format(" (pid {}, up in {:.2f} s)", s->process->pid(), secs(now() - t0))
                     : std::string(" FAILED");
        });
  if (!started) {
    addViolation(now(), now(), "restart-failed",
                 fmt::format("m{} could not be restarted", s->index));
  }
}

void Chaos::freezeEtcd(Disturbance& d) {
  const double k = std::uniform_real_distribution<double>(1.0, 4.0)(rng_);
  const auto ms = static_cast<int64_t>(k * static_cast<double>(ttl_ms_));
  d.subject = "etcd";
  d.extra["stopped_s"] = secs(ms);
  d.extra["ttl_multiple"] = k;
  event(
      d, fmt::format("etcd SIGSTOP for {:.1f} s ({:.1f} x TTL)", secs(ms), k), bound_ms_,
      [&]() -> std::string {
        kill(etcd_->pid(), SIGSTOP);
        return "";
      },
      true);
  idle(ms);
  event(d, "etcd SIGCONT", bound_ms_, [&]() -> std::string {
    kill(etcd_->pid(), SIGCONT);
    return "";
  });
}

void Chaos::cutMember(Disturbance& d) {
  std::uniform_real_distribution<double> coin(0, 1);
  Slot* s = pickMember(coin(rng_) < 0.4);
  if (s == nullptr) {
    return;
  }
  auto dir = etcdDirector();
  const bool was_director = dir && *dir == s->id;
  const double k = std::uniform_real_distribution<double>(1.0, 4.0)(rng_);
  const auto ms = static_cast<int64_t>(k * static_cast<double>(ttl_ms_));
  d.subject = fmt::format("m{}{}", s->index, was_director ? " (director)" : "");
  d.extra["cut_s"] = secs(ms);
  event(d,
        fmt::format("m{} {}{} cut from etcd for {:.1f} s ({:.1f} x TTL)", s->index, s->id,
                    was_director ? " (director)" : "", secs(ms), k),
        bound_ms_, [&]() -> std::string {
          {
            std::lock_guard lock(mu_);
            s->cut = true;
          }
          s->proxy->cut();
          return "";
        });
  idle(ms);
  event(d, fmt::format("m{} reconnected to etcd", s->index), bound_ms_, [&]() -> std::string {
    s->proxy->restore();
    std::lock_guard lock(mu_);
    s->cut = false;
    return "";
  });
}

// Picks up to `n` present monitors that are not flipping (flippers keep their alerting).
std::vector<std::string> pickStable(std::map<std::string, Mon>& mons, std::mt19937_64& rng,
                                    size_t n, bool enabled_only) {
  std::vector<std::string> all;
  for (const auto& [name, m] : mons) {
    if (m.present && !m.flipper && (!enabled_only || m.enabled) && !name.starts_with("new-")) {
      all.push_back(name);
    }
  }
  std::shuffle(all.begin(), all.end(), rng);
  all.resize(std::min(n, all.size()));
  return all;
}

void Chaos::editConfig(Disturbance& d) {
  std::vector<std::string> names;
  const bool api = std::uniform_int_distribution<int>(0, 1)(rng_) == 1;
  const int64_t t = now();
  {
    std::lock_guard lock(mu_);
    names = pickStable(mons_, rng_, 5, true);
    for (const auto& n : names) {
      Mon& m = mons_[n];
      // http 2 s <-> 3 s (and a new url), tcp 3 s <-> 4 s
      const int64_t base = m.kind == MonKind::kHttp ? 2000 : 3000;
      m.interval_ms = m.interval_ms == base ? base + 1000 : base;
      m.gen++;
      m.changed_ms = t;
    }
  }
  std::string how;
  writeMonitors(names, api, &how);
  std::string list;
  for (const auto& n : names) {
    list += (list.empty() ? "" : ",") + n;
  }
  d.subject = list;
  d.extra["via"] = how;
  event(d, fmt::format("config edit (interval) of {} via {}", list, how), kNewMonitorBoundMs);
  // The new spec runs within 3 s + its interval (a changed check keeps its phase); http
  // checks show it at the target (the url carries the generation).
  for (const auto& n : names) {
    Mon m;
    {
      std::lock_guard lock(mu_);
      m = mons_[n];
    }
    if (m.kind != MonKind::kHttp) {
      continue;
    }
    const int64_t limit = kNewMonitorBoundMs + m.interval_ms;
    const int64_t hit = firstHit(n, m.gen, t, limit + 10000);
    if (hit >= 0) {
      spec_change_ms_.push_back(static_cast<double>(hit - t));
    }
    if (hit < 0 || hit - t > limit) {
      addViolation(
          t, now(), "edit-slow",
          fmt::format("{} changed at {}: first run with the new spec {} (bound {:.1f} s)", n, at(t),
                      hit < 0 ? "never (10 s past the bound)"
                              : fmt::format("after {:.2f} s", secs(hit - t)),
                      secs(limit)));
    }
  }
}

void Chaos::deleteReadd(Disturbance& d) {
  std::vector<std::string> names;
  const bool api = std::uniform_int_distribution<int>(0, 1)(rng_) == 1;
  int64_t t = now();
  {
    std::lock_guard lock(mu_);
    names = pickStable(mons_, rng_, 5, false);
    for (const auto& n : names) {
      mons_[n].present = false;
      mons_[n].changed_ms = t;
    }
  }
  std::string how;
  deleteMonitors(names, api, &how);
  std::string list;
  for (const auto& n : names) {
    list += (list.empty() ? "" : ",") + n;
  }
  d.subject = list;
  event(d, fmt::format("delete {} via {}", list, how), kNewMonitorBoundMs);
  idle(std::uniform_int_distribution<int64_t>(2000, 8000)(rng_));
  t = now();
  {
    std::lock_guard lock(mu_);
    for (const auto& n : names) {
      mons_[n].present = true;
      mons_[n].gen++;
      mons_[n].changed_ms = t;
    }
  }
  writeMonitors(names, api, &how);
  event(d, fmt::format("re-add {} via {}", list, how), kNewMonitorBoundMs);
  for (const auto& n : names) {
    Mon m;
    {
      std::lock_guard lock(mu_);
      m = mons_[n];
    }
    if (m.kind != MonKind::kHttp || !m.enabled) {
      continue;
    }
    const int64_t limit = kNewMonitorBoundMs + m.interval_ms;
    const int64_t hit = firstHit(n, m.gen, t, limit + 10000);
    if (hit >= 0) {
      spec_change_ms_.push_back(static_cast<double>(hit - t));
    }
    if (hit < 0 || hit - t > limit) {
      addViolation(t, now(), "readd-slow",
                   fmt::format("{} re-added at {}: first run {} (bound {:.1f} s)", n, at(t),
                               hit < 0 ? "never (10 s past the bound)"
                                       : fmt::format("after {:.2f} s", secs(hit - t)),
                               secs(limit)));
    }
  }
}

int64_t Chaos::firstHit(const std::string& check, int gen, int64_t since_ms, int64_t timeout_ms) {
  const std::string path = fmt::format("/c/{}/g{}", check, gen);
  const int64_t until = now() + timeout_ms;
  while (true) {
    for (const auto& h : target_->hitsSince(since_ms)) {
      if (h.check == check && h.path == path) {
        return h.at_ms;
      }
    }
    if (now() >= until) {
      return -1;
    }
    idle(20);
  }
}

void Chaos::newMonitor() {
  // A new 1 s http check, written through a live member's API (or etcd when none takes
  // it); the previous new one is deleted.
  Mon m;
  m.name = fmt::format("new-{:03}", ++new_seq_);
  m.interval_ms = 1000;
  const int64_t t = now();
  m.present = true;
  m.changed_ms = m.first_write_ms = t;
  {
    std::lock_guard lock(mu_);
    mons_[m.name] = m;
  }
  std::string how;
  const int64_t w0 = now();
  if (!writeMonitors({m.name}, true, &how)) {
    addViolation(t, now(), "new-monitor", m.name + " could not be written");
    return;
  }
  const int64_t written = now();
  const int64_t hit = firstHit(m.name, 0, t, kNewMonitorBoundMs + 10000);
  if (hit >= 0) {
    new_monitor_ms_.push_back(static_cast<double>(hit - written));
  }
  log(fmt::format(
      "{}  new monitor {} via {} (write {:.2f} s): first run {}", at(t), m.name, how,
      secs(written - w0),
      hit < 0 ? std::string("NEVER") : fmt::format("after {:.2f} s", secs(hit - written))));
  if (hit < 0 || hit - written > kNewMonitorBoundMs) {
    addViolation(
        written, now(), "new-monitor-slow",
        fmt::format("{} written at {} via {}: first run {}", m.name, at(written), how,
                    hit < 0 ? "never within 13 s"
                            : fmt::format("after {:.2f} s (bound 3 s)", secs(hit - written))));
  }
  if (!last_new_.empty()) {
    {
      std::lock_guard lock(mu_);
      mons_[last_new_].present = false;
      mons_[last_new_].changed_ms = now();
    }
    deleteMonitors({last_new_}, false, nullptr);
  }
  last_new_ = m.name;
}

// The must-hold window [window_from_, until): from the target's records, every http check
// that did not change meanwhile ran on one member only, and ran if the window is longer than
// its interval; deleted or disabled ones did not run. From the first and last samples of the
// window, every tcp check's run counter went up on its one owner.
void Chaos::closeWindow(int64_t until) {
  std::shared_ptr<const Sample> first;
  auto last = std::atomic_load(&last_);
  int64_t from = 0;
  std::map<std::string, Mon> mons;
  {
    std::lock_guard lock(mu_);
    from = window_from_;
    first = window_first_;
    window_from_ = INT64_MAX;
    mons = mons_;
  }
  auto hits = target_->hits(target_index_);
  target_index_ += hits.size();
  if (from == INT64_MAX || until - from < 1000) {
    return;
  }
  windows_closed_++;
  std::map<std::string, std::set<std::string>> runners;
  std::map<std::string, int64_t> first_run;
  std::map<std::string, std::string> wrong_path;
  for (const auto& h : hits) {
    if (h.at_ms < from || h.at_ms >= until || h.check.empty()) {
      continue;
    }
    runners[h.check].insert(h.member);
    first_run.try_emplace(h.check, h.at_ms);
    auto it = mons.find(h.check);
    if (it != mons.end() && h.path != fmt::format("/c/{}/g{}", h.check, it->second.gen)) {
      wrong_path.try_emplace(h.check, h.path);
    }
  }
  size_t several = 0, silent = 0, ghost = 0, old = 0;
  std::vector<std::string> ex;
  const auto span = until - from;
  for (const auto& [name, m] : mons) {
    if (m.kind != MonKind::kHttp || m.changed_ms + kNewMonitorBoundMs > from) {
      continue;
    }
    auto it = runners.find(name);
    if (m.present && m.enabled) {
      if (it != runners.end() && it->second.size() > 1) {
        std::string who;
        for (const auto& w : it->second) {
          who += " " + w;
        }
        if (++several <= 3) {
          ex.push_back(name + " ran on" + who);
        }
      } else if (it == runners.end() && span >= m.interval_ms + 2000) {
        if (++silent <= 3) {
          ex.push_back(fmt::format("{} did not run in {:.1f} s (interval {:.0f} s)", name,
                                   secs(span), secs(m.interval_ms)));
        }
      }
      if (wrong_path.contains(name) && ++old <= 3) {
        ex.push_back(fmt::format("{} ran an old spec: {}", name, wrong_path[name]));
      }
    } else if (it != runners.end()) {
      if (++ghost <= 3) {
        ex.push_back(fmt::format("{} ({}) ran at {:.1f} s", name,
                                 m.present ? "disabled" : "deleted", secs(first_run[name])));
      }
    }
  }
  // tcp: run counters between the window's first and last sample.
  size_t tcp_silent = 0, tcp_moved = 0;
  if (first && last && last->t0 > first->t0) {
    const int64_t tspan = last->t0 - first->t0;
    for (const auto& [name, m] : mons) {
      if (m.kind != MonKind::kTcp || !m.present || !m.enabled
          || m.changed_ms + kNewMonitorBoundMs > from) {
        continue;
      }
      auto a = first->owner.find(name);
      auto b = last->owner.find(name);
      if (a == first->owner.end() || b == last->owner.end()) {
        continue;  // on no or several members: a placement violation already
      }
      if (a->second.first != b->second.first) {
        if (++tcp_moved <= 3) {
          ex.push_back(fmt::format("{} moved m{} -> m{} within a quiet window", name,
                                   a->second.first, b->second.first));
        }
      } else if (b->second.second <= a->second.second && tspan >= m.interval_ms + 2000) {
        if (++tcp_silent <= 3) {
          ex.push_back(fmt::format("{} run counter on m{} stayed {} over {:.1f} s", name,
                                   b->second.first, b->second.second, secs(tspan)));
        }
      }
    }
  }
  if (several + silent + ghost + old + tcp_silent + tcp_moved > 0) {
    std::string e;
    for (const auto& x : ex) {
      e += (e.empty() ? "" : "; ") + x;
    }
    addViolation(from, until, "runs",
                 fmt::format("window {:.1f}-{:.1f} s: http: {} ran on several members, {} did "
                             "not run, {} deleted/disabled ran, {} ran an old spec; tcp: {} did "
                             "not run, {} moved (e.g. {})",
                             secs(from), secs(until), several, silent, ghost, old, tcp_silent,
                             tcp_moved, e));
  }
}

void Chaos::disturb(const std::string& kind) {
  Disturbance d;
  d.kind = kind;
  d.start_ms = now();
  if (kind == "kill9") {
    killAndRestart(d, false);
  } else if (kind == "sigterm") {
    killAndRestart(d, true);
  } else if (kind == "etcd-stop") {
    freezeEtcd(d);
  } else if (kind == "cut") {
    cutMember(d);
  } else if (kind == "config-edit") {
    editConfig(d);
  } else if (kind == "delete-readd") {
    deleteReadd(d);
  }
  d.end_ms = now();
  // Recovery: from the disturbance's last event to a passing sample.
  const int64_t last_event = d.events.empty() ? d.start_ms : events_[d.events.back()].at_ms;
  const int64_t pass = waitPass(last_event, 60000);
  if (pass < 0) {
    auto s = std::atomic_load(&last_);
    addViolation(last_event, now(), "no-recovery",
                 fmt::format("no passing sample within 60 s of the end of {} {}; last: {}", d.kind,
                             d.subject, s ? problemText(*s) : std::string("no sample at all")));
  }
  newMonitor();
  // Quiet time, the invariants checked meanwhile.
  idle(std::uniform_int_distribution<int64_t>(3000, 8000)(rng_));
  disturbances_.push_back(std::move(d));
}

// --- results ---------------------------------------------------------------------------------

json Chaos::summary() {
  // Recovery per event: the first passing sample after the last failing one before the
  // next event (so a pass followed by a relapse does not count as recovered).
  std::vector<Sample> hist;
  std::vector<Violation> violations;
  std::map<std::string, ProcTrack> procs;
  std::vector<Notification> notes;
  {
    std::lock_guard lock(mu_);
    hist = history_;
    if (open_episode_) {
      violations_.push_back(*open_episode_);
      open_episode_.reset();
    }
    violations = violations_;
    procs = procs_;
    notes = alerts_;
  }
  {
    // The whole timeline, for reading a violation against the member logs.
    std::ofstream tsv(dir_ / "samples.tsv");
    tsv << "t0_s\tt1_s\twall\tpass\tmust_hold\tproblem\n";
    for (const auto& s : hist) {
      tsv << fmt::format("{:.3f}\t{:.3f}\t{}\t{}\t{}\t{}\n", secs(s.t0), secs(s.t1), at(s.t0),
                         s.pass ? 1 : 0, s.must_hold ? 1 : 0, problemText(s));
    }
  }
  std::map<std::string, std::vector<double>> recovery_by_kind;
  std::vector<double> recovery_all;
  for (size_t i = 0; i < events_.size(); ++i) {
    Event& e = events_[i];
    const int64_t next = i + 1 < events_.size() ? events_[i + 1].at_ms : run_end_;
    int64_t first_pass_after = -1;
    for (const auto& s : hist) {
      if (s.t0 < e.at_ms || s.t0 >= next) {
        continue;
      }
      if (!s.pass) {
        first_pass_after = -1;
      } else if (first_pass_after < 0) {
        first_pass_after = s.t1;
      }
    }
    if (first_pass_after >= 0) {
      e.recovered_ms = first_pass_after - e.at_ms;
      e.interrupted = false;
    } else {
      e.interrupted = true;
    }
  }
  for (auto& d : disturbances_) {
    if (d.events.empty()) {
      continue;
    }
    const Event& e = events_[d.events.back()];
    if (e.recovered_ms >= 0) {
      recovery_by_kind[d.kind].push_back(static_cast<double>(e.recovered_ms));
      recovery_all.push_back(static_cast<double>(e.recovered_ms));
    }
  }
  auto pct = [](std::vector<double> v) {
    if (v.empty()) {
      return json(nullptr);
    }
    std::sort(v.begin(), v.end());
    auto at = [&](double p) {
      return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))]
             / 1000.0;
    };
    return json{
        {"n", v.size()}, {"p50_s", at(0.5)}, {"p90_s", at(0.9)}, {"max_s", v.back() / 1000.0}};
  };

  // Alerts.
  std::vector<DownPeriod> downs;
  for (const auto& f : flips_) {
    for (auto d : f.downs) {
      if (d.to_ms == 0) {
        d.to_ms = run_end_;
      }
      downs.push_back(d);
    }
  }
  AlertRules rules;
  rules.kinds = {{"hook-a", {"warning", "critical", "resolve"}},
                 {"hook-b", {"critical", "resolve"}}};
  rules.critical_hooks = {"hook-a", "hook-b"};
  AlertReport alerts = analyseAlerts(notes, downs, kills_ms_, rules);
  for (const auto& fnd : alerts.findings) {
    if (fnd.violation) {
      violations.push_back({fnd.at_ms, fnd.at_ms, fnd.kind, fnd.detail, 1});
    }
  }

  // Memory and fds.
  json mem = json::array();
  for (const auto& [who, p] : procs) {
    mem.push_back(
        {{"process", who},
         {"tracked_s", secs(p.last_ms - p.first_ms)},
         {"rss_first_mib", static_cast<double>(p.rss_first_kib) / 1024.0},
         {"rss_last_mib", static_cast<double>(p.rss_last_kib) / 1024.0},
         {"rss_max_mib", static_cast<double>(p.rss_max_kib) / 1024.0},
         {"rss_growth_mib", static_cast<double>(p.rss_last_kib - p.rss_first_kib) / 1024.0},
         {"fds_first", p.fds_first},
         {"fds_last", p.fds_last},
         {"fds_max", p.fds_max}});
    if (who != "etcd" && p.rss_max_kib > f_.rss_limit_mib * 1024) {
      violations.push_back(
          {p.first_ms, p.last_ms, "rss-bound",
           fmt::format("{}: RSS reached {:.1f} MiB (bound {} MiB)", who,
                       static_cast<double>(p.rss_max_kib) / 1024.0, f_.rss_limit_mib)});
    }
    if (who != "etcd" && p.fds_max > f_.fd_limit) {
      violations.push_back(
          {p.first_ms, p.last_ms, "fd-bound",
           fmt::format("{}: {} open fds (bound {})", who, p.fds_max, f_.fd_limit)});
    }
  }
  std::sort(violations.begin(), violations.end(),
            [](const Violation& a, const Violation& b) { return a.from_ms < b.from_ms; });

  json by_kind = json::object();
  for (const auto& d : disturbances_) {
    by_kind[d.kind] = by_kind.value(d.kind, 0) + 1;
  }
  json viol = json::array();
  std::map<std::string, int> viol_kinds;
  for (const auto& v : violations) {
    viol_kinds[v.kind]++;
    viol.push_back({{"from_s", secs(v.from_ms)},
                    {"to_s", secs(v.to_ms)},
                    {"wall", at(v.from_ms)},
                    {"kind", v.kind},
                    {"samples", v.samples},
                    {"detail", v.detail}});
  }
  json dist = json::array();
  for (const auto& d : disturbances_) {
    json ev = json::array();
    for (size_t i : d.events) {
      const Event& e = events_[i];
      ev.push_back(
          {{"at_s", secs(e.at_ms)},
           {"what", e.what},
           {"bound_s", secs(e.bound_ms)},
           {"recovered_s", e.recovered_ms < 0 ? json(nullptr) : json(secs(e.recovered_ms))},
           {"interrupted", e.interrupted}});
    }
    dist.push_back({{"kind", d.kind},
                    {"subject", d.subject},
                    {"start_s", secs(d.start_ms)},
                    {"end_s", secs(d.end_ms)},
                    {"events", ev},
                    {"extra", d.extra}});
  }
  json rec = json::object();
  for (const auto& [k, v] : recovery_by_kind) {
    rec[k] = pct(v);
  }
  rec["all"] = pct(recovery_all);
  size_t flips_down = 0;
  for (const auto& f : flips_) {
    flips_down += f.downs.size();
  }
  json out{{"label", f_.label},
           {"seed", seed_},
           {"duration_s", secs(run_end_ - run_start_)},
           {"members", kMembers},
           {"checks", f_.checks},
           {"member_ttl_s", f_.ttl_s},
           {"bound_s", secs(bound_ms_)},
           {"machine", {{"cores", std::thread::hardware_concurrency()}}},
           {"disturbances", disturbances_.size()},
           {"disturbances_by_kind", by_kind},
           {"recovery", rec},
           {"new_monitor_first_run", pct(new_monitor_ms_)},
           {"changed_spec_first_run", pct(spec_change_ms_)},
           {"samples", samples_},
           {"must_hold_samples", must_hold_samples_},
           {"failed_must_hold_samples", failed_must_hold_samples_},
           {"scrapes", scrapes_},
           {"scrape_failures", scrape_failures_},
           {"scrape_max_s", secs(scrape_max_ms_)},
           {"slow_scrapes",
            [&] {
              json a = json::array();
              std::lock_guard lock(mu_);
              for (const auto& x : slow_scrapes_) {
                a.push_back({{"at", at(x.at_ms)},
                             {"member", fmt::format("m{}", x.member)},
                             {"took_s", secs(x.took_ms)}});
              }
              return a;
            }()},
           {"quiet_windows_checked", windows_closed_},
           {"target_requests", target_->count()},
           {"flipper_down_periods", flips_down},
           {"alerts", alerts.toJson()},
           {"processes", mem},
           {"violations_by_kind", viol_kinds},
           {"violations", viol},
           {"timeline", dist}};
  return out;
}

std::string Chaos::humanSummary(const json& s) const {
  std::string o;
  o += fmt::format(
      "chaos run '{}': seed {}, {:.0f} s, {} members, {} checks, member-ttl {} s "
      "(bound TTL + 2 s = {:.0f} s)\n",
      s["label"].get<std::string>(), s["seed"].get<uint64_t>(), s["duration_s"].get<double>(),
      kMembers, f_.checks, f_.ttl_s, s["bound_s"].get<double>());
  o += fmt::format("disturbances: {} —", s["disturbances"].get<size_t>());
  for (const auto& [k, v] : s["disturbances_by_kind"].items()) {
    o += fmt::format(" {} {}", k, v.get<int>());
  }
  o += "\nrecovery after a disturbance's end (first passing sample after the last failing one):\n";
  for (const auto& [k, v] : s["recovery"].items()) {
    if (v.is_null()) {
      continue;
    }
    o += fmt::format("  {:<13} n={:<3} p50 {:.2f} s  p90 {:.2f} s  max {:.2f} s\n", k,
                     v["n"].get<size_t>(), v["p50_s"].get<double>(), v["p90_s"].get<double>(),
                     v["max_s"].get<double>());
  }
  const std::vector<std::pair<std::string, std::string>> firsts{
      {"new monitor first run", "new_monitor_first_run"},
      {"changed/re-added spec first run", "changed_spec_first_run"}};
  for (const auto& [name, key] : firsts) {
    const auto& v = s[key];
    if (!v.is_null()) {
      o += fmt::format("{}: n={} p50 {:.2f} s  p90 {:.2f} s  max {:.2f} s\n", name,
                       v["n"].get<size_t>(), v["p50_s"].get<double>(), v["p90_s"].get<double>(),
                       v["max_s"].get<double>());
    }
  }
  const auto& a = s["alerts"];
  o += fmt::format(
      "alerts: {} requests, {} refused by hook-b (retried), {} delivered, {} distinct "
      "transitions, {} redelivered ({} in a kill -9 window), {} down periods judged; "
      "delivered by kind {}\n",
      a["received"].get<size_t>(), a["refused_by_receiver"].get<size_t>(),
      a["delivered"].get<size_t>(), a["distinct_transitions"].get<size_t>(),
      a["redelivered"].get<size_t>(), a["redelivered_in_kill_window"].get<size_t>(),
      a["down_periods_judged"].get<size_t>(), a["delivered_by_kind"].dump());
  for (const auto& fnd : a["findings"]) {
    if (!fnd["violation"].get<bool>()) {
      o += fmt::format("  note t={:.1f}s {}: {}\n", fnd["at_s"].get<double>(),
                       fnd["kind"].get<std::string>(), fnd["detail"].get<std::string>());
    }
  }
  o += fmt::format(
      "samples: {} ({} in must-hold periods, {} of them failing); /metrics scrapes {} ({} failed, "
      "{} took >= 1 s, slowest {:.2f} s); quiet windows checked against the target: {}\n",
      s["samples"].get<int64_t>(), s["must_hold_samples"].get<int64_t>(),
      s["failed_must_hold_samples"].get<int64_t>(), s["scrapes"].get<int64_t>(),
      s["scrape_failures"].get<int64_t>(), s["slow_scrapes"].size(),
      s["scrape_max_s"].get<double>(), s["quiet_windows_checked"].get<size_t>());
  for (const auto& x : s["slow_scrapes"]) {
    o += fmt::format("  slow /metrics: {} {} took {:.2f} s\n", x["at"].get<std::string>(),
                     x["member"].get<std::string>(), x["took_s"].get<double>());
  }
  o += "processes (RSS MiB first/max/last, growth; fds first/max/last):\n";
  for (const auto& p : s["processes"]) {
    o += fmt::format("  {:<6} {:6.1f} s  RSS {:.1f}/{:.1f}/{:.1f} ({:+.1f})  fds {}/{}/{}\n",
                     p["process"].get<std::string>(), p["tracked_s"].get<double>(),
                     p["rss_first_mib"].get<double>(), p["rss_max_mib"].get<double>(),
                     p["rss_last_mib"].get<double>(), p["rss_growth_mib"].get<double>(),
                     p["fds_first"].get<int64_t>(), p["fds_max"].get<int64_t>(),
                     p["fds_last"].get<int64_t>());
  }
  o += fmt::format("VIOLATIONS: {}\n", s["violations"].size());
  for (const auto& v : s["violations"]) {
    o += fmt::format("  {} {} [{:.1f}-{:.1f} s, {} sample(s)]: {}\n", v["wall"].get<std::string>(),
                     v["kind"].get<std::string>(), v["from_s"].get<double>(),
                     v["to_s"].get<double>(), v["samples"].get<int>(),
                     v["detail"].get<std::string>());
  }
  return o;
}

void Chaos::tearDown() {
  stop_ = true;
  if (checker_.joinable()) {
    checker_.join();
  }
  for (auto& s : slots_) {
    if (s.running && s.process) {
      s.process->signal(SIGTERM);
    }
  }
  for (auto& s : slots_) {
    if (s.running && s.process && !s.process->wait(std::chrono::seconds(20))) {
      log(fmt::format("m{} did not stop within 20 s of SIGTERM; killed", s.index));
    }
    s.process.reset();
    s.running = false;
  }
  if (etcd_) {
    kill(etcd_->pid(), SIGCONT);
    (void)etcd_->stop();
  }
}

int Chaos::run() {
  seed_ = f_.seed != 0 ? f_.seed : static_cast<uint64_t>(wallMs());
  rng_.seed(seed_);
  dir_ = fs::path(f_.out) / f_.label;
  fs::create_directories(dir_);
  console_.open(dir_ / "console.txt");
  char tmpl[] = "/tmp/9volt-chaos.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    std::cerr << "chaos_bench: mkdtemp failed\n";
    return 2;
  }
  work_ = tmpl;
  log(
      fmt::format("chaos_bench {}: seed {} (re-run with --seed {}), {:.0f} s, {} checks, "
                  "member-ttl {} s, {} cores, load {}",
                  f_.label, seed_, seed_, f_.duration_s, f_.checks, f_.ttl_s,
                  std::thread::hardware_concurrency(), [] {
                    std::ifstream in("/proc/loadavg");
                    std::string l;
                    std::getline(in, l);
                    return l;
                  }()));
  int rc = 2;
  if (setUp()) {
    checker_ = std::thread([this] { checkerLoop(); });
    if (waitSettled()) {
      {
        std::lock_guard lock(mu_);
        for (const auto& [name, m] : mons_) {
          if (m.flipper) {
            Flip fl{name, m.kind, m.listener};
            fl.next_ms = now() + std::uniform_int_distribution<int64_t>(2000, 30000)(rng_);
            flips_.push_back(fl);
          }
        }
        flipping_ = true;
        suspended_ = false;
        must_hold_from_ = now();
        window_from_ = must_hold_from_;
      }
      run_start_ = now();
      const int64_t end = run_start_ + static_cast<int64_t>(f_.duration_s * 1000);
      const std::vector<std::pair<std::string, double>> kinds{
          {"kill9", 2.0}, {"sigterm", 1.0},     {"etcd-stop", 1.5},
          {"cut", 1.5},   {"config-edit", 1.0}, {"delete-readd", 1.0}};
      std::vector<double> w;
      for (const auto& k : kinds) {
        const bool wanted =
            f_.kinds.empty()
            || std::find(f_.kinds.begin(), f_.kinds.end(), k.first) != f_.kinds.end();
        w.push_back(wanted ? k.second : 0.0);
      }
      std::discrete_distribution<size_t> pick(w.begin(), w.end());
      while (now() < end) {
        disturb(kinds[pick(rng_)].first);
      }
      closeWindow(now());
      // Bring every target up and let the incidents resolve (hook-b retries take a while).
      {
        std::lock_guard lock(mu_);
        all_up_ = true;
      }
      log(fmt::format("{}  disturbances over; every target up; waiting for the resolves",
                      at(now())));
      const int64_t wait_until = now() + 90000;
      while (now() < wait_until) {
        idle(1000);
        std::vector<Notification> notes;
        {
          std::lock_guard lock(mu_);
          notes = alerts_;
        }
        std::map<std::pair<std::string, std::string>, std::string> last;
        for (const auto& n : notes) {
          if (n.answered >= 200 && n.answered < 300) {
            last[{n.check, n.hook}] = n.kind;
          }
        }
        if (std::all_of(last.begin(), last.end(),
                        [](const auto& kv) { return kv.second == "resolve"; })) {
          break;
        }
      }
      idle(5000);  // a late duplicate would come within a retry
      closeWindow(now());
      run_end_ = now();
      stop_ = true;
      checker_.join();
      json s = summary();
      rc = s["violations"].empty() ? 0 : 1;
      const fs::path json_file = fs::path(f_.out) / (f_.label + ".json");
      std::ofstream(json_file) << s.dump(2) << "\n";
      const std::string text = humanSummary(s);
      std::ofstream(fs::path(f_.out) / (f_.label + ".txt")) << text;
      std::printf("\n%s", text.c_str());
      std::printf("report: %s (member logs, etcd log and console in %s)\n", json_file.c_str(),
                  dir_.c_str());
    }
  }
  tearDown();
  std::error_code ec;
  fs::remove_all(work_, ec);
  return rc;
}

}  // namespace
}  // namespace ninevolt::bench

int main(int argc, char** argv) {
  ninevolt::bench::Flags f;
  CLI::App app{
      "chaos_bench: 3 9volt members on one etcd under random disturbances; invariants "
      "checked from outside; exit 1 on any violation"};
  app.add_option("--binary", f.binary, "the 9volt binary")->required();
  app.add_option("--etcd", f.etcd_binary, "the etcd binary")->capture_default_str();
  app.add_option("--duration", f.duration_s, "seconds of disturbances")->capture_default_str();
  app.add_option("--seed", f.seed, "random seed (0: from the clock; printed)")
      ->capture_default_str();
  app.add_option("--checks", f.checks, "monitors (3% flip, 1% disabled)")->capture_default_str();
  app.add_option("--ttl", f.ttl_s, "member-ttl in seconds (/9volt/config)")->capture_default_str();
  app.add_option("--poll-ms", f.poll_ms, "how often the invariants are sampled")
      ->capture_default_str();
  app.add_option("--rss-limit-mib", f.rss_limit_mib, "a member's RSS bound")->capture_default_str();
  app.add_option("--fd-limit", f.fd_limit, "a member's open fds bound")->capture_default_str();
  app.add_option("--out", f.out, "directory for <label>.json, <label>.txt and <label>/ (logs)")
      ->capture_default_str();
  app.add_option("--label", f.label, "name of this run")->capture_default_str();
  app.add_option("--kinds", f.kinds,
                 "only these disturbances (default all): kill9 sigterm etcd-stop cut config-edit "
                 "delete-readd")
      ->delimiter(',')
      ->check(
          CLI::IsMember({"kill9", "sigterm", "etcd-stop", "cut", "config-edit", "delete-readd"}));
  CLI11_PARSE(app, argc, argv);
  if (f.checks < 100) {
    std::cerr << "chaos_bench: --checks must be at least 100\n";
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  return ninevolt::bench::Chaos(f).run();
}
