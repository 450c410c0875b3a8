// cluster_bench: a real 9volt cluster on one machine. Starts etcd (Debian's etcd-server, free
// loopback ports, temp dir), an http target that logs which member ran which check, loads N
// http checks into etcd, starts M `9volt server` processes and measures: time to settle at
// start, etcd's revision rate at steady state, per-member CPU and RSS, and what a kill -9 of
// a member (or the director) costs. Every process is started here and stopped by pid.
// See README.md ("Cluster").
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include "check_target.h"
#include "common/ids.h"
#include "common/yaml_json.h"
#include "etcd/client.h"
#include "etcd/embedded_etcd.h"
#include "etcd/watcher.h"
#include "member_log.h"
#include "pid_stats.h"
#include "run_analysis.h"
#include "soak_sampler.h"
#include "store/keys.h"
#include "support/process.h"

namespace ninevolt::bench {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct Flags {
  std::string binary;
  std::string etcd_binary = "etcd";
  size_t members = 10;
  size_t checks = 100000;
  std::string interval = "60s";
  double steady_s = 60;
  size_t workers = 1;
  std::string kill = "member";  // member | director | none
  bool churn = false;
  double outage_s = 0;         // every target down this long after the steady phase
  double soak_s = 0;           // soak: sample this long after settling (no steady phase)
  uint32_t flap_every = 10;    // soak: every Nth check fails and recovers on a cycle
  double flap_cycle_s = 120;   // soak: one down + up cycle of the flapping checks
  std::string dump_interval;   // /9volt/config state-dump-interval ("" = the default)
  bool etcd_defaults = false;  // etcd without auto-compaction (its defaults)
  size_t target_ports = 8;
  double settle_timeout_s = 900;
  std::string out = ".";
  std::string label = "cluster";
  bool place_only = false;  // settle (assigned and loaded) and report; no run waited for
  // Checks run from this many locations (docs/locations.md): members loc0..loc<N-1> by turns,
  // every monitor `locations: [loc0, ...]`; --kill location kills every member of the last.
  size_t locations = 0;
};

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double secondsBetween(int64_t from_ms, int64_t to_ms) {
  return to_ms == 0 ? -1.0 : static_cast<double>(to_ms - from_ms) / 1000.0;
}

void sleepMs(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// Polls cond every `step` ms until it holds or the deadline passes.
bool waitFor(const std::function<bool()>& cond, double timeout_s, int step = 100) {
  const int64_t until = nowMs() + static_cast<int64_t>(timeout_s * 1000);
  while (!cond()) {
    if (nowMs() >= until) {
      return false;
    }
    sleepMs(step);
  }
  return true;
}

// The assignment shards in etcd, followed by a watch: who is assigned what right now.
class AssignmentView {
 public:
  AssignmentView(std::shared_ptr<etcd::Client> client, const store::Keys& keys)
      : prefix_(keys.allAssignmentsPrefix()) {
    auto now = client->range(prefix_, {.count_only = true});
    etcd::Watcher::Options o;
    o.key = prefix_;
    o.start_revision = now ? now->revision + 1 : 0;
    o.on_update = [this](const etcd::WatchUpdate& u) { onUpdate(u); };
    watch_ = std::make_unique<etcd::Watcher>(std::move(client), std::move(o));
    watch_->waitUntilWatching(std::chrono::seconds(10));
  }

  struct State {
    size_t total = 0;     // names over all shards (a name twice counts twice)
    size_t distinct = 0;  // different names
    std::map<std::string, size_t> per_member;
  };
  State state() const {
    std::lock_guard lock(mu_);
    State s;
    std::unordered_set<std::string> names;
    for (const auto& [key, list] : shards_) {
      const std::string member = key.substr(0, key.find('/'));
      s.total += list.size();
      s.per_member[member] += list.size();
      names.insert(list.begin(), list.end());
    }
    s.distinct = names.size();
    return s;
  }

 private:
  void onUpdate(const etcd::WatchUpdate& u) {
    std::lock_guard lock(mu_);
    if (u.kind == etcd::WatchUpdate::kResync) {
      shards_.clear();
      for (const auto& kv : u.snapshot) {
        put(kv);
      }
    }
    for (const auto& ev : u.events) {
      if (ev.type == etcd::WatchEvent::kDelete) {
        shards_.erase(ev.kv.key.substr(prefix_.size()));
      } else {
        put(ev.kv);
      }
    }
  }
  void put(const etcd::KeyValue& kv) {
    auto j = common::parseJson(kv.value);
    std::vector<std::string> names;
    if (j && j->is_array()) {
      for (const auto& n : *j) {
        names.push_back(n.get<std::string>());
      }
    }
    shards_[kv.key.substr(prefix_.size())] = std::move(names);
  }

  std::string prefix_;
  mutable std::mutex mu_;
  std::map<std::string, std::vector<std::string>> shards_;  // "<member>/<shard>" -> names
  std::unique_ptr<etcd::Watcher> watch_;
};

struct Member {
  std::string id;
  std::string listen;
  std::string location;  // --location ("" = none)
  std::string log_file;
  std::unique_ptr<testing::Process> process;
  std::unique_ptr<MemberLog> log;
  bool alive = true;
};

// etcd's own counters, from its /metrics (served on the client port).
struct EtcdCounters {
  int64_t revision = 0;
  int64_t db_size = 0;
  double puts = 0;
  double txns = 0;
  double proposals = 0;
  double client_bytes_in = 0;
};

EtcdCounters readCounters(etcd::Client& client, uint16_t port) {
  EtcdCounters c;
  if (auto s = client.status()) {
    c.revision = s->revision;
    c.db_size = s->db_size;
  }
  auto metrics = testing::httpGet(port, "/metrics");
  if (metrics && metrics->status == 200) {
    std::istringstream in(metrics->body);
    std::string line;
    auto take = [&line](std::string_view name, double& out) {
      if (line.size() > name.size() && line.compare(0, name.size(), name) == 0
          && line[name.size()] == ' ') {
        out = std::stod(line.substr(name.size() + 1));
      }
    };
    while (std::getline(in, line)) {
      take("etcd_mvcc_put_total", c.puts);
      take("etcd_debugging_mvcc_txn_total", c.txns);
      take("etcd_server_proposals_committed_total", c.proposals);
      take("etcd_network_client_grpc_received_bytes_total", c.client_bytes_in);
    }
  }
  return c;
}

json monitorSpec(size_t i, const std::vector<uint16_t>& ports, const std::string& interval,
                 size_t locations) {
  json spec{{"type", "http"},
            {"host", "127.0.0.1"},
            {"port", ports[i % ports.size()]},
            {"url", fmt::format("/c{:06d}", i)},
            {"interval", interval},
            {"timeout", "5s"},
            {"warning-threshold", 2},
            {"critical-threshold", 3}};
  if (locations > 0) {
    json names = json::array();
    for (size_t l = 0; l < locations; ++l) {
      names.push_back(fmt::format("loc{}", l));
    }
    spec["locations"] = std::move(names);
  }
  return spec;
}

std::string checkName(size_t i) {
  return fmt::format("c{:06d}", i);
}

// Writes the monitors straight into etcd, 120 per txn (etcd allows 128 operations).
bool loadMonitors(etcd::Client& client, const store::Keys& keys, const Flags& f,
                  const std::vector<uint16_t>& ports) {
  std::vector<etcd::TxnOp> ops;
  for (size_t i = 0; i < f.checks; ++i) {
    ops.push_back(etcd::TxnOp::put(keys.monitor(checkName(i)),
                                   monitorSpec(i, ports, f.interval, f.locations).dump()));
    if (ops.size() == 120 || i + 1 == f.checks) {
      auto r = client.txn({}, ops);
      if (!r) {
        std::cerr << "cluster_bench: loading monitors: " << r.error().message << "\n";
        return false;
      }
      ops.clear();
    }
  }
  return true;
}

int64_t parseIntervalMs(const std::string& s) {
  size_t unit = s.find_first_not_of("0123456789");
  int64_t n = std::stoll(s.substr(0, unit));
  std::string u = unit == std::string::npos ? "s" : s.substr(unit);
  return u == "ms" ? n : u == "m" ? n * 60000 : u == "h" ? n * 3600000 : n * 1000;
}

class Bench {
 public:
  explicit Bench(Flags f) : f_(std::move(f)), keys_("/9volt") {}

  int run();

 private:
  bool startEtcd();
  bool startMembers();
  void pollLogs();
  // A member exited that was not killed here (a crash): the run is void.
  bool someoneDied();
  // All checks assigned (each once) to live members, and every live member's manager
  // says it runs what it was assigned.
  bool assigned(const AssignmentView::State& s) const;
  bool loaded(const AssignmentView::State& s) const;
  int64_t lastOwnedChangeMs(int64_t after_ms) const;
  json settle();
  json steady();
  json outage();
  json soak();
  json killOne();
  json killLocation();  // --kill location
  // --churn: 10% of the monitors edited, one member (not the director) leaving and rejoining;
  // then, once every check runs again, each member's memory.
  json churn();
  bool startMember(Member& m, const std::string& log_file);
  json memory();
  // --place-only: the assignment shards as etcd holds them, and every member warning.
  json placement();
  void stopAll();
  std::optional<std::string> directorId();

  Flags f_;
  store::Keys keys_;
  int64_t interval_ms_ = 60000;
  fs::path dir_;   // results and member logs
  fs::path work_;  // etcd data (temp)
  std::unique_ptr<etcd::EmbeddedEtcd> etcd_;
  uint16_t etcd_port_ = 0;
  std::shared_ptr<etcd::Client> client_;
  std::unique_ptr<CheckTarget> target_;
  std::unique_ptr<AssignmentView> assignments_;
  std::vector<Member> members_;
  int64_t start_ms_ = 0;
  int64_t ran_ms_ = 0;
};

bool Bench::startEtcd() {
  etcd::EmbeddedEtcd::Options o;
  o.data_dir = (work_ / "etcd").string();
  o.log_file = (dir_ / "etcd.log").string();
  o.binary = f_.etcd_binary;
  if (f_.etcd_defaults) {
    // What an operator's etcd does out of the box: no auto-compaction (retention 0 turns
    // off the one the launcher sets) and the default 2 GiB quota.
    o.extra_args = {"--auto-compaction-retention", "0"};
  }
  auto e = etcd::EmbeddedEtcd::start(o);
  if (!e) {
    std::cerr << "cluster_bench: etcd: " << e.error().message << "\n";
    return false;
  }
  etcd_ = std::move(*e);
  etcd_port_ =
      static_cast<uint16_t>(std::stoi(etcd_->endpoint().substr(etcd_->endpoint().rfind(':') + 1)));
  auto c = etcd::Client::create(
      {.endpoints = {etcd_->endpoint()}, .call_timeout = std::chrono::seconds(20)});
  if (!c) {
    std::cerr << "cluster_bench: etcd client: " << c.error().message << "\n";
    return false;
  }
  client_ = *c;
  std::printf("  etcd %s pid %d (data in %s)\n", etcd_->endpoint().c_str(), etcd_->pid(),
              o.data_dir.c_str());
  return true;
}

bool Bench::startMembers() {
  const std::string host = common::hostName();
  for (size_t i = 0; i < f_.members; ++i) {
    Member m;
    m.listen = fmt::format("127.0.0.1:{}", testing::freePort());
    m.id = common::memberId(host, m.listen);
    if (f_.locations > 0) {
      m.location = fmt::format("loc{}", i % f_.locations);
    }
    startMember(m, (dir_ / fmt::format("member-{}.log", i)).string());
    members_.push_back(std::move(m));
  }
  return true;
}

// Starts m's process (again: same listen address, so the same member id) with a log of its own.
bool Bench::startMember(Member& m, const std::string& log_file) {
  m.log_file = log_file;
  std::vector<std::string> argv{
      f_.binary, "server",          "--listen",  m.listen,
      "-e",      etcd_->endpoint(), "--workers", std::to_string(f_.workers)};
  if (!m.location.empty()) {
    argv.insert(argv.end(), {"--location", m.location});
  }
  m.process =
      std::make_unique<testing::Process>(argv, std::map<std::string, std::string>{}, m.log_file);
  m.log = std::make_unique<MemberLog>(m.log_file);
  m.alive = true;
  return true;
}

json Bench::churn() {
  json out;
  // 1. Every tenth monitor edited (another timeout): its owner restarts the check.
  std::vector<etcd::TxnOp> ops;
  size_t edited = 0;
  for (size_t i = 0; i < f_.checks; i += 10) {
    json spec = monitorSpec(i, target_->ports(), f_.interval, f_.locations);
    spec["timeout"] = "4s";
    ops.push_back(etcd::TxnOp::put(keys_.monitor(checkName(i)), spec.dump()));
    edited++;
    if (ops.size() == 120 || i + 10 >= f_.checks) {
      if (auto r = client_->txn({}, ops); !r) {
        std::printf("  churn: editing monitors: %s\n", r.error().message.c_str());
        return out;
      }
      ops.clear();
    }
  }
  out["edited"] = edited;
  // 2. The last member that is not the director leaves (SIGTERM: a clean stop) and rejoins.
  auto director = directorId();
  int victim = -1;
  for (int i = static_cast<int>(members_.size()) - 1; i >= 0; --i) {
    if (!director || members_[static_cast<size_t>(i)].id != *director) {
      victim = i;
      break;
    }
  }
  const int64_t churn_ms = nowMs();
  bool ok = true;
  if (victim >= 0) {
    Member& v = members_[static_cast<size_t>(victim)];
    v.process->signal(SIGTERM);
    v.process->wait(std::chrono::seconds(15));
    v.alive = false;
    const bool moved = waitFor(
        [&] {
          pollLogs();
          auto s = assignments_->state();
          return !someoneDied() && assigned(s) && loaded(s);
        },
        f_.settle_timeout_s);
    out["left_s"] = moved ? secondsBetween(churn_ms, nowMs()) : -1.0;
    startMember(v, (dir_ / fmt::format("member-{}-rejoined.log", victim)).string());
    out["member"] = v.id;
  }
  const int64_t rejoin_ms = nowMs();
  ok = waitFor(
      [&] {
        pollLogs();
        if (someoneDied()) {
          return true;
        }
        auto s = assignments_->state();
        return assigned(s) && loaded(s);
      },
      f_.settle_timeout_s);
  out["rejoined_s"] = ok ? secondsBetween(rejoin_ms, nowMs()) : -1.0;
  // 3. One interval, so that every check (the edited and the moved ones too) has run on its
  // owner, then memory as at steady state.
  sleepMs(static_cast<int>(interval_ms_) + 5000);
  pollLogs();
  out["memory"] = memory();
  std::string rss;
  for (const auto& m : out["memory"]) {
    rss += fmt::format("{}{:.1f}", rss.empty() ? "" : " ", m["rss_mib"].get<double>());
  }
  std::printf(
      "  churn: %zu monitors edited, member %s left (checks moved in %.1f s) and rejoined "
      "(settled in %.1f s); RSS after one more interval: %s MiB\n",
      edited, out.value("member", std::string("-")).c_str(), out.value("left_s", -1.0),
      out["rejoined_s"].get<double>(), rss.c_str());
  return out;
}

void Bench::pollLogs() {
  for (auto& m : members_) {
    m.log->poll();
  }
}

bool Bench::someoneDied() {
  for (auto& m : members_) {
    if (m.alive && m.process->wait(std::chrono::milliseconds(0))) {
      m.log->poll();
      std::printf("  member %s exited on its own (log %s, last line: %s)\n", m.id.c_str(),
                  m.log_file.c_str(), m.log->lastLine().c_str());
      m.alive = false;
      return true;
    }
  }
  return false;
}

bool Bench::assigned(const AssignmentView::State& s) const {
  // With locations: a replica per live location and the check itself (its judge).
  size_t entries = f_.checks;
  if (f_.locations > 0) {
    std::set<std::string> live;
    for (const auto& m : members_) {
      if (m.alive) {
        live.insert(m.location);
      }
    }
    entries = f_.checks * (live.size() + 1);
  }
  if (s.total != entries || s.distinct != entries) {
    return false;
  }
  // Every live member has its share (members join one after another at start: the checks
  // are all assigned long before they are spread over everyone), no dead one has any.
  for (const auto& m : members_) {
    if (m.alive != s.per_member.contains(m.id)) {
      return false;
    }
  }
  return true;
}

bool Bench::loaded(const AssignmentView::State& s) const {
  for (const auto& m : members_) {
    if (!m.alive) {
      continue;
    }
    auto it = s.per_member.find(m.id);
    const int64_t want = it == s.per_member.end() ? 0 : static_cast<int64_t>(it->second);
    if (m.log->owned() != want && !(want == 0 && m.log->owned() < 0)) {
      return false;
    }
  }
  return true;
}

int64_t Bench::lastOwnedChangeMs(int64_t after_ms) const {
  int64_t t = 0;
  for (const auto& m : members_) {
    if (m.alive && m.log->ownedAtMs() >= after_ms) {
      t = std::max(t, m.log->ownedAtMs());
    }
  }
  return t;
}

std::optional<std::string> Bench::directorId() {
  auto r = client_->range(keys_.director());
  if (!r || r->kvs.empty()) {
    return std::nullopt;
  }
  auto j = common::parseJson(r->kvs[0].value);
  if (!j || !j->contains("id")) {
    return std::nullopt;
  }
  return (*j)["id"].get<std::string>();
}

// From the members' start until every check is assigned, loaded and has run once.
json Bench::settle() {
  json out;
  int64_t assigned_ms = 0;
  bool died = false;
  int64_t progress_ms = nowMs();
  bool ok = waitFor(
      [&] {
        pollLogs();
        if (someoneDied()) {
          died = true;
          return true;
        }
        auto s = assignments_->state();
        if (assigned_ms == 0 && assigned(s)) {
          assigned_ms = nowMs();
        }
        if (nowMs() - progress_ms >= 30000) {  // a long settle says where it is
          progress_ms = nowMs();
          std::string owned;
          for (const auto& m : members_) {
            auto it = s.per_member.find(m.id);
            owned += fmt::format(" {}:{}/{}", m.id, m.log->owned(),
                                 it == s.per_member.end() ? 0 : it->second);
          }
          std::printf("  settle: %zu names in the shards (%zu distinct); owned/assigned%s\n",
                      s.total, s.distinct, owned.c_str());
        }
        return assigned_ms != 0 && loaded(s);
      },
      // Each poll gathers every assigned name: at 1,000,000 every 100 ms was a core.
      f_.settle_timeout_s, f_.checks > 100000 ? 1000 : 100);
  ok = ok && !died;
  const int64_t loaded_ms = lastOwnedChangeMs(start_ms_);
  out["assigned_s"] = secondsBetween(start_ms_, assigned_ms);
  out["loaded_s"] = ok ? secondsBetween(start_ms_, loaded_ms) : -1.0;
  std::printf(
      "  settle: all %zu checks assigned after %.1f s, loaded by every member after %.1f s\n",
      f_.checks, out["assigned_s"].get<double>(), out["loaded_s"].get<double>());
  if (!ok) {
    std::printf("  settle: NOT loaded within %.0f s\n", f_.settle_timeout_s);
    return out;
  }
  if (f_.place_only) {
    return out;
  }
  // Each check's first run comes at its phase within one interval of being loaded.
  Coverage cov;
  waitFor(
      [&] {
        cov = firstRuns(target_->log(), f_.checks, start_ms_);
        return cov.all_seen_ms != 0;
      },
      static_cast<double>(interval_ms_) / 1000.0 + 60, 1000);
  ran_ms_ = cov.all_seen_ms;
  out["all_ran_once_s"] = secondsBetween(start_ms_, ran_ms_);
  out["ran_once"] = cov.seen;
  std::printf("  settle: every check ran once after %.1f s (%zu of %zu seen)\n",
              out["all_ran_once_s"].get<double>(), cov.seen, f_.checks);
  int director = -1;
  for (size_t i = 0; i < members_.size(); ++i) {
    if (members_[i].log->directorSinceMs() != 0) {
      director = static_cast<int>(i);
    }
  }
  out["director_member"] = director;
  return out;
}

// etcd's counters over steady_s seconds with no status change (every check answers 200).
json Bench::steady() {
  json out;
  // Let the first-run state writes (one per check) and a digest round pass first. With
  // locations, "every check ran once" is seen at the first of its replicas to run: wait
  // another interval, so every replica and every judge has written its first result.
  sleepMs(15000 + (f_.locations > 0 ? static_cast<int>(interval_ms_) : 0));
  std::map<std::string, double> cpu0;
  for (const auto& m : members_) {
    cpu0[m.id] = readPidStats(m.process->pid()).cpu_s;
  }
  const double etcd_cpu0 = readPidStats(etcd_->pid()).cpu_s;
  const int64_t t0 = nowMs();
  const EtcdCounters c0 = readCounters(*client_, etcd_port_);
  std::vector<int64_t> per_second;
  int64_t last_rev = c0.revision;
  const int samples = static_cast<int>(std::max(f_.steady_s, 1.0));
  for (int i = 1; i <= samples; ++i) {
    const int64_t due = t0 + i * 1000;
    sleepMs(static_cast<int>(std::max<int64_t>(0, due - nowMs())));
    auto r = client_->status();
    if (r) {
      per_second.push_back(r->revision - last_rev);
      last_rev = r->revision;
    }
  }
  const EtcdCounters c1 = readCounters(*client_, etcd_port_);
  const int64_t t1 = nowMs();
  const double secs = static_cast<double>(t1 - t0) / 1000.0;
  double members_cpu = 0;
  json per_member = json::array();
  for (const auto& m : members_) {
    const double cpu = readPidStats(m.process->pid()).cpu_s - cpu0[m.id];
    members_cpu += cpu;
    per_member.push_back(cpu / secs);
  }
  const double rev_rate = static_cast<double>(c1.revision - c0.revision) / secs;
  std::sort(per_second.begin(), per_second.end());
  out = {{"seconds", secs},
         {"revisions", c1.revision - c0.revision},
         {"revisions_per_s", rev_rate},
         {"revisions_per_s_samples_min_median_max",
          per_second.empty() ? json::array()
                             : json::array({per_second.front(), per_second[per_second.size() / 2],
                                            per_second.back()})},
         {"keys_put_per_s", (c1.puts - c0.puts) / secs},
         {"txns_per_s", (c1.txns - c0.txns) / secs},
         {"raft_proposals_per_s", (c1.proposals - c0.proposals) / secs},
         {"client_bytes_in_per_s", (c1.client_bytes_in - c0.client_bytes_in) / secs},
         {"db_size_bytes", c1.db_size},
         {"etcd_cpu_cores", (readPidStats(etcd_->pid()).cpu_s - etcd_cpu0) / secs},
         {"members_cpu_cores", members_cpu / secs},
         {"member_cpu_cores", per_member}};
  std::printf(
      "  steady (%.0f s): %.2f revisions/s (per second: min %lld, max %lld), %.1f keys "
      "put/s, %.0f client bytes in/s; etcd %.3f cores, members %.3f cores; db %.1f MiB\n",
      secs, rev_rate, per_second.empty() ? 0LL : static_cast<long long>(per_second.front()),
      per_second.empty() ? 0LL : static_cast<long long>(per_second.back()),
      out["keys_put_per_s"].get<double>(), out["client_bytes_in_per_s"].get<double>(),
      out["etcd_cpu_cores"].get<double>(), out["members_cpu_cores"].get<double>(),
      static_cast<double>(c1.db_size) / 1048576.0);

  // Exactly once: over one interval (or the sampled window, if longer) every check runs, and
  // on exactly one member.
  const int64_t wend = std::max(t1, t0 + interval_ms_);
  sleepMs(static_cast<int>(std::max<int64_t>(0, wend - nowMs()) + 2000));
  WindowStats w = window(target_->log(), f_.checks, t0, wend);
  out["window"] = {{"seconds", w.seconds},
                   {"runs", w.runs},
                   {"runs_per_s", static_cast<double>(w.runs) / w.seconds},
                   {"never_ran", w.never_ran},
                   {"run_by_several_members", w.several_members},
                   {"runs_without_member", w.unknown_member}};
  std::printf(
      "  steady window (%.0f s): %.1f runs/s, %zu check(s) never ran, %zu ran on more "
      "than one member%s\n",
      w.seconds, static_cast<double>(w.runs) / w.seconds, w.never_ran, w.several_members,
      f_.locations > 0 ? fmt::format(" (from {} locations: each should)", f_.locations).c_str()
                       : "");
  return out;
}

// Every target answers 500 for outage_s seconds, then 200 again: etcd's revisions, keys put
// and client bytes per 10 s window while it lasts, and for 60 s after. What an outage costs
// etcd is bounded per check (its state key up to the highest threshold), then flat.
json Bench::outage() {
  json out;
  const double window_s = 10;
  const int windows = static_cast<int>(std::max(1.0, f_.outage_s / window_s));
  auto sample = [&](const char* phase, int n, json& series) {
    EtcdCounters last = readCounters(*client_, etcd_port_);
    const EtcdCounters first = last;
    int64_t t = nowMs();
    for (int i = 0; i < n; ++i) {
      sleepMs(static_cast<int>(window_s * 1000));
      const EtcdCounters c = readCounters(*client_, etcd_port_);
      const double secs = secondsBetween(t, nowMs());
      t = nowMs();
      series.push_back(
          {{"phase", phase},
           {"revisions_per_s", static_cast<double>(c.revision - last.revision) / secs},
           {"keys_put_per_s", (c.puts - last.puts) / secs},
           {"client_bytes_in_per_s", (c.client_bytes_in - last.client_bytes_in) / secs},
           {"db_size_bytes", c.db_size}});
      std::printf("  %s %3.0f s: %8.1f revisions/s, %8.1f keys put/s, %10.0f client bytes in/s\n",
                  phase, (i + 1) * window_s, series.back()["revisions_per_s"].get<double>(),
                  series.back()["keys_put_per_s"].get<double>(),
                  series.back()["client_bytes_in_per_s"].get<double>());
      std::fflush(stdout);
      last = c;
    }
    return std::make_pair(first, last);
  };
  json series = json::array();
  target_->setFailing(true);
  auto [d0, d1] = sample("down", windows, series);
  target_->setFailing(false);
  auto [u0, u1] = sample("up", 6, series);
  out = {{"seconds", f_.outage_s},
         {"windows", series},
         {"keys_put_while_down", d1.puts - d0.puts},
         {"keys_put_per_check_while_down", (d1.puts - d0.puts) / static_cast<double>(f_.checks)},
         {"client_bytes_in_while_down", d1.client_bytes_in - d0.client_bytes_in},
         {"keys_put_after", u1.puts - u0.puts}};
  std::printf(
      "  outage (%.0f s, every target 500): %.0f keys put (%.2f per check), %.0f client "
      "bytes in; after: %.0f keys put\n",
      f_.outage_s, d1.puts - d0.puts, (d1.puts - d0.puts) / static_cast<double>(f_.checks),
      d1.client_bytes_in - d0.client_bytes_in, u1.puts - u0.puts);
  return out;
}

// The soak (issue 12 section 3): for soak_s seconds, every 10 s, etcd's size, revision and
// bytes in, and each member's RSS, fds, threads, runs, late runs and lag p99, into
// <out>/<label>/soak.csv; every flap_every-th check fails for half of each flap cycle.
// The verdict: no etcd alarm, etcd's db size levels off, member RSS and fds flat after
// warm-up (slope over the second half, reported), no late run.
json Bench::soak() {
  constexpr double kSampleS = 10;
  constexpr double kLate = 1.0;  // a run that started more than 1 s late
  const fs::path csv_path = dir_ / "soak.csv";
  std::ofstream csv(csv_path);
  csv << "t_s,etcd_db_mib,etcd_db_in_use_mib,revision,revisions_per_s,client_kb_in_per_s,"
         "etcd_alarms,flapping_down,runs_per_s,late_runs,skipped_runs,lag_p99_s";
  for (size_t i = 0; i < members_.size(); ++i) {
    csv << fmt::format(",m{0}_rss_mib,m{0}_fds,m{0}_threads", i);
  }
  csv << "\n";
  target_->setLogging(false);
  std::vector<EngineCounters> last_engine(members_.size());
  auto scrape = [&](size_t i) {
    const uint16_t port = static_cast<uint16_t>(
        std::stoi(members_[i].listen.substr(members_[i].listen.rfind(':') + 1)));
    auto r = testing::httpCall(port, "GET", "/metrics", {}, {}, std::chrono::seconds(30));
    return r.status == 200 ? parseEngineCounters(r.body) : EngineCounters{};
  };
  for (size_t i = 0; i < members_.size(); ++i) {
    last_engine[i] = scrape(i);
  }
  EtcdCounters last = readCounters(*client_, etcd_port_);
  const int64_t t0 = nowMs();
  int64_t last_ms = t0;
  bool down = false;
  int64_t alarms_seen = 0;
  double late_total = 0;
  double skipped_total = 0;
  std::vector<double> ts;
  std::vector<double> db;
  std::vector<std::vector<double>> rss(members_.size());
  std::vector<std::vector<double>> fds(members_.size());
  const int samples = static_cast<int>(f_.soak_s / kSampleS);
  for (int k = 1; k <= samples; ++k) {
    sleepMs(static_cast<int>(
        std::max<int64_t>(0, t0 + static_cast<int64_t>(k * kSampleS * 1000) - nowMs())));
    const double t = secondsBetween(t0, nowMs());
    const bool want_down = std::fmod(t, f_.flap_cycle_s) >= f_.flap_cycle_s / 2;
    if (want_down != down) {
      down = want_down;
      target_->setFlapping(f_.flap_every, down);
    }
    const EtcdCounters c = readCounters(*client_, etcd_port_);
    auto status = client_->status();
    const int64_t alarms = status ? static_cast<int64_t>(status->errors.size()) : -1;
    alarms_seen = std::max(alarms_seen, alarms);
    const double secs = secondsBetween(last_ms, nowMs());
    last_ms = nowMs();
    double runs = 0;
    double late = 0;
    double skipped = 0;
    double p99 = 0;
    std::string member_cols;
    for (size_t i = 0; i < members_.size(); ++i) {
      const EngineCounters e = scrape(i);
      runs += e.runs - last_engine[i].runs;
      late += lateRuns(last_engine[i], e, kLate);
      skipped += e.skipped - last_engine[i].skipped;
      p99 = std::max(p99, lagQuantile(last_engine[i], e, 0.99));
      last_engine[i] = e;
      const PidStats ps = readPidStats(members_[i].process->pid());
      const int nfd = openFds(members_[i].process->pid());
      rss[i].push_back(static_cast<double>(ps.rss_kib) / 1024.0);
      fds[i].push_back(nfd);
      member_cols += fmt::format(",{:.1f},{},{}", static_cast<double>(ps.rss_kib) / 1024.0, nfd,
                                 threadCount(members_[i].process->pid()));
    }
    late_total += late;
    skipped_total += skipped;
    ts.push_back(t);
    db.push_back(static_cast<double>(c.db_size) / 1048576.0);
    csv << fmt::format(
        "{:.0f},{:.2f},{:.2f},{},{:.2f},{:.2f},{},{},{:.1f},{:.0f},{:.0f},{:.3f}{}\n", t,
        static_cast<double>(c.db_size) / 1048576.0,
        status ? static_cast<double>(status->db_size_in_use) / 1048576.0 : 0.0, c.revision,
        static_cast<double>(c.revision - last.revision) / secs,
        (c.client_bytes_in - last.client_bytes_in) / secs / 1000.0, alarms, down ? 1 : 0,
        runs / secs, late, skipped, p99, member_cols);
    csv.flush();
    if (k % 6 == 0) {
      std::printf(
          "  soak %5.0f s: etcd db %.1f MiB (rev %lld), %.1f runs/s, late %.0f, p99 "
          "lag %.3f s, member RSS %s MiB\n",
          t, db.back(), static_cast<long long>(c.revision), runs / secs, late, p99,
          [&] {
            std::string r;
            for (const auto& m : rss) {
              r += fmt::format("{}{:.0f}", r.empty() ? "" : " ", m.back());
            }
            return r;
          }()
              .c_str());
      std::fflush(stdout);
    }
    last = c;
  }
  target_->setFlapping(0, false);
  // Second half: the warm-up (start, first compactions) is behind.
  const size_t half = ts.size() / 2;
  auto tail = [&](const std::vector<double>& v) {
    return std::vector<double>(v.begin() + static_cast<std::ptrdiff_t>(half), v.end());
  };
  const std::vector<double> t2 = tail(ts);
  json members = json::array();
  double worst_rss_slope = 0;
  double worst_fd_slope = 0;
  for (size_t i = 0; i < members_.size(); ++i) {
    const double rs = slope(t2, tail(rss[i])) * 3600.0;  // MiB per hour
    const double fs_ = slope(t2, tail(fds[i])) * 3600.0;
    worst_rss_slope = std::max(worst_rss_slope, rs);
    worst_fd_slope = std::max(worst_fd_slope, fs_);
    members.push_back({{"rss_mib_first", rss[i].empty() ? 0 : rss[i].front()},
                       {"rss_mib_last", rss[i].empty() ? 0 : rss[i].back()},
                       {"rss_mib_per_hour_second_half", rs},
                       {"fds_last", fds[i].empty() ? 0 : fds[i].back()},
                       {"fds_per_hour_second_half", fs_}});
  }
  const double db_max_first_half =
      half == 0 ? 0 : *std::max_element(db.begin(), db.begin() + static_cast<std::ptrdiff_t>(half));
  const double db_max = db.empty() ? 0 : *std::max_element(db.begin(), db.end());
  const double db_slope = slope(t2, tail(db)) * 3600.0;
  json out{{"seconds", f_.soak_s},
           {"csv", csv_path.string()},
           {"etcd_alarms_seen", alarms_seen},
           {"etcd_db_mib_max", db_max},
           {"etcd_db_mib_max_first_half", db_max_first_half},
           {"etcd_db_mib_per_hour_second_half", db_slope},
           {"late_runs", late_total},
           {"skipped_runs", skipped_total},
           {"members", members}};
  std::vector<std::string> failed;
  if (alarms_seen != 0) {
    failed.push_back("etcd raised an alarm");
  }
  // Levels off: the second half adds less than a quarter of what the first half reached.
  if (db_max > 1.25 * db_max_first_half + 1.0) {
    failed.push_back(fmt::format("etcd db grew from {:.1f} to {:.1f} MiB in the second half",
                                 db_max_first_half, db_max));
  }
  if (late_total > 0 || skipped_total > 0) {
    failed.push_back(
        fmt::format("{:.0f} late and {:.0f} skipped run(s)", late_total, skipped_total));
  }
  out["failed"] = failed;
  out["passed"] = failed.empty();
  std::printf(
      "  soak: %s; etcd db max %.1f MiB (first half %.1f), slope %.2f MiB/h; RSS slope "
      "worst %.2f MiB/h, fds %.2f/h; %.0f late, %.0f skipped runs\n",
      failed.empty() ? "PASSED" : "FAILED", db_max, db_max_first_half, db_slope, worst_rss_slope,
      worst_fd_slope, late_total, skipped_total);
  for (const auto& f : failed) {
    std::printf("    %s\n", f.c_str());
  }
  return out;
}

json Bench::memory() {
  json out = json::array();
  double sum = 0;
  for (const auto& m : members_) {
    if (!m.alive) {
      continue;
    }
    PidStats s = readPidStats(m.process->pid());
    sum += static_cast<double>(s.rss_kib);
    out.push_back({{"member", m.id},
                   {"rss_mib", static_cast<double>(s.rss_kib) / 1024.0},
                   {"anon_mib", static_cast<double>(s.anon_kib) / 1024.0},
                   {"file_mib", static_cast<double>(s.file_kib) / 1024.0},
                   {"peak_mib", static_cast<double>(s.hwm_kib) / 1024.0},
                   {"owns", m.log->owned()}});
  }
  return out;
}

json Bench::placement() {
  json out;
  auto shards = client_->range(keys_.allAssignmentsPrefix(), {.prefix = true});
  size_t largest = 0;
  size_t bytes = 0;
  if (shards) {
    for (const auto& kv : shards->kvs) {
      largest = std::max(largest, kv.value.size());
      bytes += kv.value.size();
    }
  }
  out["shard_keys"] = shards ? shards->kvs.size() : 0;
  out["shard_bytes"] = bytes;
  out["largest_shard_bytes"] = largest;
  if (auto st = client_->status()) {
    out["etcd_db_size_bytes"] = st->db_size;
  }
  // Every warning or error a member logged (a refused or failed write is one), except the
  // open-API notice every member without tokens prints at start.
  json warnings = json::array();
  for (const auto& m : members_) {
    m.log->poll();
    for (const auto& line : m.log->warningLines()) {
      if (line.find("/api/v1 is open") == std::string::npos) {
        warnings.push_back(m.id + ": " + line);
      }
    }
  }
  out["member_warnings"] = warnings;
  out["passed"] = warnings.empty();
  std::printf("  placement: %zu shard keys, %.1f MiB, the largest %.1f KiB; etcd db %.0f MiB\n",
              out["shard_keys"].get<size_t>(), static_cast<double>(bytes) / 1048576.0,
              static_cast<double>(largest) / 1024.0,
              static_cast<double>(out.value("etcd_db_size_bytes", int64_t{0})) / 1048576.0);
  for (const auto& m : memory()) {
    std::printf("  member %s: owns %lld, RSS %.1f MiB (anon %.1f, peak %.1f)\n",
                m["member"].get<std::string>().c_str(),
                static_cast<long long>(m["owns"].get<int64_t>()), m["rss_mib"].get<double>(),
                m["anon_mib"].get<double>(), m["peak_mib"].get<double>());
  }
  std::printf("  member warnings: %zu%s\n", warnings.size(),
              warnings.empty() ? " (no write refused or failed): passed" : ": FAILED");
  for (const auto& w : warnings) {
    std::printf("    %s\n", w.get<std::string>().c_str());
  }
  return out;
}

json Bench::killOne() {
  if (f_.kill == "location") {
    return killLocation();
  }
  json out;
  auto director = directorId();
  int victim = -1;
  for (int i = static_cast<int>(members_.size()) - 1; i >= 0; --i) {
    const bool is_director = director && members_[i].id == *director;
    if ((f_.kill == "director") == is_director) {
      victim = i;
      break;
    }
  }
  if (victim < 0) {
    std::printf("  kill: no %s to kill\n", f_.kill.c_str());
    return out;
  }
  Member& v = members_[static_cast<size_t>(victim)];
  const auto names = target_->members();
  uint16_t victim_index = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == v.id) {
      victim_index = static_cast<uint16_t>(i);
    }
  }
  const int64_t owned = v.log->owned();
  const int64_t kill_ms = nowMs();
  v.process->signal(SIGKILL);
  v.process->wait(std::chrono::seconds(5));
  v.alive = false;
  out["victim"] = {{"id", v.id}, {"was_director", f_.kill == "director"}, {"owned", owned}};
  std::printf("  kill -9 of %s %s (%lld checks)\n", f_.kill.c_str(), v.id.c_str(),
              static_cast<long long>(owned));

  int64_t gone_ms = 0;
  int64_t new_director_ms = 0;
  int64_t assigned_ms = 0;
  bool ok = waitFor(
      [&] {
        pollLogs();
        if (gone_ms == 0) {
          auto r = client_->range(keys_.member(v.id), {.count_only = true});
          if (r && r->count == 0) {
            gone_ms = nowMs();
          }
        }
        if (f_.kill == "director" && new_director_ms == 0) {
          auto d = directorId();
          if (d && *d != v.id) {
            new_director_ms = nowMs();
          }
        }
        auto s = assignments_->state();
        if (assigned_ms == 0 && assigned(s)) {
          assigned_ms = nowMs();
        }
        return assigned_ms != 0 && loaded(s);
      },
      120, 20);
  const int64_t loaded_ms = lastOwnedChangeMs(kill_ms);
  out["member_key_gone_s"] = secondsBetween(kill_ms, gone_ms);
  if (f_.kill == "director") {
    out["new_director_s"] = secondsBetween(kill_ms, new_director_ms);
  }
  out["assigned_s"] = secondsBetween(kill_ms, assigned_ms);
  out["loaded_s"] = ok ? secondsBetween(kill_ms, loaded_ms) : -1.0;
  std::printf(
      "  kill: member key gone after %.2f s, its checks reassigned after %.2f s, loaded "
      "by the survivors after %.2f s\n",
      out["member_key_gone_s"].get<double>(), out["assigned_s"].get<double>(),
      out["loaded_s"].get<double>());
  if (f_.kill == "director") {
    std::printf("  kill: new director after %.2f s\n", out["new_director_s"].get<double>());
  }
  // The moved checks run at their own phase: within one interval of being loaded.
  KillStats k;
  waitFor(
      [&] {
        k = afterKill(target_->log(), f_.checks, victim_index, kill_ms, nowMs(), interval_ms_);
        return k.victim_checks > 0 && k.resumed == k.victim_checks;
      },
      static_cast<double>(interval_ms_) / 1000.0 + 60, 1000);
  // Once more, a full interval after the last move, so "others moved" sees every check run.
  const int64_t until = std::max(nowMs(), (ok ? loaded_ms : kill_ms) + interval_ms_ + 2000);
  sleepMs(static_cast<int>(until - nowMs()));
  k = afterKill(target_->log(), f_.checks, victim_index, kill_ms, until, interval_ms_);
  out["victim_checks_seen"] = k.victim_checks;
  out["resumed"] = k.resumed;
  out["all_resumed_s"] = secondsBetween(kill_ms, k.all_resumed_ms);
  out["max_gap_s"] = static_cast<double>(k.max_gap_ms) / 1000.0;
  out["missed_a_run"] = k.missed_a_run;
  out["other_checks_moved"] = k.others_moved;
  out["victim_checks_on_several_survivors"] = k.several_new_owners;
  std::printf(
      "  kill: %zu of its %zu checks ran on a survivor, the last %.1f s after the kill; "
      "longest gap between two runs %.1f s (interval %.0f s), %zu missed a run; %zu "
      "other check(s) changed member\n",
      k.resumed, k.victim_checks, out["all_resumed_s"].get<double>(),
      out["max_gap_s"].get<double>(), static_cast<double>(interval_ms_) / 1000.0, k.missed_a_run,
      k.others_moved);
  return out;
}

// Every member of the last location killed with -9: its replicas become orphans (unknown),
// the judges there move; what it costs etcd, and whether any check's state changed (with 2 of
// 3 locations left and every target answering, none may).
json Bench::killLocation() {
  json out;
  const std::string lost = fmt::format("loc{}", f_.locations - 1);
  const EtcdCounters c0 = readCounters(*client_, etcd_port_);
  const int64_t kill_ms = nowMs();
  size_t killed = 0;
  for (auto& m : members_) {
    if (m.location == lost && m.alive) {
      m.process->signal(SIGKILL);
      m.process->wait(std::chrono::seconds(5));
      m.alive = false;
      killed++;
    }
  }
  std::printf("  kill -9 of location %s (%zu members)\n", lost.c_str(), killed);
  int64_t assigned_ms = 0;
  bool ok = waitFor(
      [&] {
        pollLogs();
        auto s = assignments_->state();
        if (assigned_ms == 0 && assigned(s)) {
          assigned_ms = nowMs();
        }
        return assigned_ms != 0 && loaded(s);
      },
      120, 50);
  // The survivors' counts change only where a judge moved (a lost location's replicas are
  // orphans, nobody takes them): no change logged is no move.
  const int64_t changed_ms = lastOwnedChangeMs(kill_ms);
  const int64_t loaded_ms = changed_ms != 0 ? changed_ms : assigned_ms;
  // One interval and a flush after the kill: every judge has judged from what is left.
  sleepMs(static_cast<int>(std::max<int64_t>(0, kill_ms + interval_ms_ + 5000 - nowMs())));
  const EtcdCounters c1 = readCounters(*client_, etcd_port_);
  const double secs = static_cast<double>(nowMs() - kill_ms) / 1000.0;
  size_t not_ok = 0;
  size_t states = 0;
  if (auto r = client_->range(keys_.statePrefix(), {.prefix = true})) {
    for (const auto& kv : r->kvs) {
      states++;
      not_ok += kv.value.find("\"status\":\"ok\"") == std::string::npos ? 1 : 0;
    }
  }
  out = {{"location", lost},
         {"members_killed", killed},
         {"reassigned_s", secondsBetween(kill_ms, assigned_ms)},
         {"loaded_s", ok ? secondsBetween(kill_ms, loaded_ms) : -1.0},
         {"seconds", secs},
         {"revisions", c1.revision - c0.revision},
         {"revisions_per_s", static_cast<double>(c1.revision - c0.revision) / secs},
         {"keys_put", c1.puts - c0.puts},
         {"check_states", states},
         {"check_states_not_ok", not_ok}};
  std::printf(
      "  location loss: reassigned after %.2f s, loaded after %.2f s; over the %.0f s after the "
      "kill %lld revisions (%.1f/s), %.0f keys put; %zu of %zu checks not ok\n",
      out["reassigned_s"].get<double>(), out["loaded_s"].get<double>(), secs,
      static_cast<long long>(c1.revision - c0.revision), out["revisions_per_s"].get<double>(),
      c1.puts - c0.puts, not_ok, states);
  return out;
}

void Bench::stopAll() {
  for (auto& m : members_) {
    if (m.alive) {
      m.process->signal(SIGTERM);
    }
  }
  for (auto& m : members_) {
    if (m.alive && !m.process->wait(std::chrono::seconds(15))) {
      std::printf("  member %s did not stop within 15 s of SIGTERM; killed\n", m.id.c_str());
    }
    m.process.reset();  // SIGKILL + reap if still there
  }
  assignments_.reset();
  target_.reset();
  if (etcd_) {
    (void)etcd_->stop();
  }
}

int Bench::run() {
  interval_ms_ = parseIntervalMs(f_.interval);
  dir_ = fs::path(f_.out) / f_.label;
  fs::create_directories(dir_);
  char tmpl[] = "/tmp/9volt-cluster-bench.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    std::cerr << "cluster_bench: mkdtemp failed\n";
    return 1;
  }
  work_ = tmpl;
  json report{{"label", f_.label},
              {"members", f_.members},
              {"checks", f_.checks},
              {"interval", f_.interval},
              {"workers_per_member", f_.workers},
              {"check", "http GET to the harness's target, 200"}};
  std::printf(
      "cluster_bench %s: %zu members, %zu http checks every %s, %zu engine worker(s) "
      "each\n",
      f_.label.c_str(), f_.members, f_.checks, f_.interval.c_str(), f_.workers);
  int rc = 1;
  if (startEtcd()) {
    target_ = std::make_unique<CheckTarget>(f_.target_ports);
    const int64_t l0 = nowMs();
    if (loadMonitors(*client_, keys_, f_, target_->ports())) {
      report["load_monitors_s"] = secondsBetween(l0, nowMs());
      std::printf("  %zu monitors written to etcd in %.1f s\n", f_.checks,
                  report["load_monitors_s"].get<double>());
      assignments_ = std::make_unique<AssignmentView>(client_, keys_);
      start_ms_ = nowMs();
      if (!f_.dump_interval.empty()) {
        (void)client_->put(keys_.clusterConfig(),
                           json{{"state-dump-interval", f_.dump_interval}}.dump());
      }
      startMembers();
      report["settle"] = settle();
      if (report["settle"]["loaded_s"].get<double>() >= 0 && f_.place_only) {
        report["memory"] = memory();
        report["placement"] = placement();
        rc = report["placement"]["passed"].get<bool>() ? 0 : 1;
      } else if (report["settle"]["loaded_s"].get<double>() >= 0 && f_.soak_s > 0) {
        report["soak"] = soak();
        rc = report["soak"]["passed"].get<bool>() ? 0 : 1;
      } else if (report["settle"]["loaded_s"].get<double>() >= 0) {
        report["steady"] = steady();
        report["memory"] = memory();
        if (f_.outage_s > 0) {
          report["outage"] = outage();
        }
        double sum = 0;
        for (const auto& m : report["memory"]) {
          sum += m["rss_mib"].get<double>();
        }
        std::printf("  RSS per member: %.1f MiB mean (%s)\n",
                    sum / static_cast<double>(report["memory"].size()),
                    [&] {
                      std::string s;
                      for (const auto& m : report["memory"]) {
                        s += fmt::format("{}{:.0f}", s.empty() ? "" : " ",
                                         m["rss_mib"].get<double>());
                      }
                      return s;
                    }()
                        .c_str());
        if (f_.churn) {
          report["churn"] = churn();
        }
        if (f_.kill != "none") {
          report["kill"] = killOne();
        }
        rc = 0;
      }
    }
  }
  json warnings = json::object();
  for (const auto& m : members_) {
    m.log->poll();
    warnings[m.id] = {{"count", m.log->warnings()}, {"last", m.log->lastWarning()}};
  }
  report["member_log_warnings"] = warnings;
  report["target_bad_requests"] = target_ ? target_->badRequests() : 0;
  stopAll();
  std::error_code ec;
  fs::remove_all(work_, ec);
  const fs::path json_file = fs::path(f_.out) / (f_.label + ".json");
  std::ofstream(json_file) << report.dump(2) << "\n";
  std::printf("  report: %s (member logs in %s)\n", json_file.c_str(), dir_.c_str());
  return rc;
}

}  // namespace
}  // namespace ninevolt::bench

int main(int argc, char** argv) {
  ninevolt::bench::Flags f;
  CLI::App app{"cluster_bench: a real 9volt cluster on one etcd; settle, etcd write rate, kill -9"};
  app.add_option("--binary", f.binary, "the 9volt binary")->required();
  app.add_option("--etcd", f.etcd_binary, "the etcd binary")->capture_default_str();
  app.add_option("--members", f.members, "9volt server processes")->capture_default_str();
  app.add_option("--locations", f.locations,
                 "run every check from this many locations (members loc0.. by turns); 0: none")
      ->capture_default_str();
  app.add_option("--checks", f.checks, "http checks")->capture_default_str();
  app.add_option("--interval", f.interval, "check interval (Go duration: 60s, 5m)")
      ->capture_default_str();
  app.add_option("--steady", f.steady_s, "seconds over which etcd's revision rate is sampled")
      ->capture_default_str();
  app.add_option("--workers", f.workers, "engine threads per member")->capture_default_str();
  app.add_option("--outage", f.outage_s,
                 "after the steady phase, every target answers 500 for this many seconds "
                 "(0: no outage)");
  app.add_option("--soak", f.soak_s,
                 "instead of the steady phase: sample every 10 s for this many seconds into "
                 "soak.csv, with every --flap-every-th check failing half of each --flap-cycle");
  app.add_option("--flap-every", f.flap_every, "soak: every Nth check flaps (0: none)");
  app.add_option("--flap-cycle", f.flap_cycle_s, "soak: seconds of one down+up cycle");
  app.add_option("--state-dump-interval", f.dump_interval,
                 "written to /9volt/config before the members start (default: 10s)");
  app.add_flag("--etcd-defaults", f.etcd_defaults,
               "run etcd without the auto-compaction the private etcd has");
  app.add_flag("--churn", f.churn,
               "after the steady phase: edit 10% of the monitors, stop one member (not the "
               "director) and start it again, then report memory once all run again");
  app.add_option("--kill", f.kill,
                 "kill -9 after the steady phase: member | director | location | none")
      ->check(CLI::IsMember({"member", "director", "location", "none"}))
      ->capture_default_str();
  app.add_option("--target-ports", f.target_ports, "ports the http target listens on")
      ->capture_default_str();
  app.add_flag("--place-only", f.place_only,
               "settle only: every check assigned and loaded by its member (no run is waited "
               "for: give a long --interval), then the assignment shards' sizes, RSS and every "
               "member warning; exit 1 on any warning (a refused txn is one)");
  app.add_option("--settle-timeout", f.settle_timeout_s, "give up settling after this (s)")
      ->capture_default_str();
  app.add_option("--out", f.out, "directory for <label>.json and <label>/ (member logs)")
      ->capture_default_str();
  app.add_option("--label", f.label, "name of this run")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  signal(SIGPIPE, SIG_IGN);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines show up at once through a pipe
  return ninevolt::bench::Bench(f).run();
}
