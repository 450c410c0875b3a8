#include "cluster_harness.h"

#include <algorithm>
#include <cstdio>

#include <signal.h>

#include "common/ids.h"

namespace ninevolt::e2e {

using testing::eventually;
using testing::freePort;
using testing::Process;

void ClusterTest::TearDown() {
  // Members first (they would log etcd errors for nothing), then etcd.
  members_.clear();
  EtcdTest::TearDown();
}

Member& ClusterTest::startMember(const MemberOptions& options) {
  // The port is chosen before the member binds it (its id derives from it), so another
  // process may take it meanwhile: a member that exits for that is started again on another.
  for (int attempt = 0;; ++attempt) {
    Member m;
    m.port = freePort();
    std::string listen = "127.0.0.1:" + std::to_string(m.port);
    m.id = common::memberId(common::hostName(), listen);
    m.tags = options.tags;
    m.log_file = (dir_->path() / ("member-" + m.id + ".log")).string();
    std::vector<std::string> argv{NINEVOLT_BINARY, "server", "--listen", listen, "--workers", "1"};
    for (const auto& e : options.endpoints.empty() ? etcdEndpoints() : options.endpoints) {
      argv.insert(argv.end(), {"-e", e});
    }
    if (!options.tags.empty()) {
      std::string tags;
      for (const auto& t : options.tags) {
        tags += (tags.empty() ? "" : ",") + t;
      }
      argv.insert(argv.end(), {"--tags", tags});
    }
    if (!options.location.empty()) {
      argv.insert(argv.end(), {"--location", options.location});
    }
    if (!options.userpass.empty()) {
      argv.insert(argv.end(), {"--etcd-userpass", options.userpass});
    }
    m.location = options.location;
    m.process = std::make_unique<Process>(argv, std::map<std::string, std::string>{}, m.log_file);
    // Up means its HTTP server answers (it registered with etcd just before).
    bool exited = false;
    eventually(
        [&] {
          exited = m.process->wait(0ms).has_value();
          return exited || testing::httpGet(m.port, "/version").has_value();
        },
        20s);
    if (exited && attempt < 3 && m.process->output().find("cannot listen") != std::string::npos) {
      continue;
    }
    EXPECT_FALSE(exited) << "member exited at start:\n" << m.process->output();
    members_.push_back(std::move(m));
    return members_.back();
  }
}

void ClusterTest::kill9(Member& m) {
  m.process->signal(SIGKILL);
  m.process->wait(5s);
  m.alive = false;
}

void ClusterTest::stopMember(Member& m) {
  m.process->signal(SIGTERM);
  EXPECT_EQ(m.process->wait(20s), 0) << m.process->output();
  m.alive = false;
}

Member* ClusterTest::memberById(const std::string& id) {
  // A member started on the port of one killed earlier has its id (ids derive from the
  // listen address): the live one is meant. (The first match was a dead one: kill9() of it
  // did nothing and AlertFailoverTest saw "the resolve came from the dead member".)
  Member* dead = nullptr;
  for (auto& m : members_) {
    if (m.id == id) {
      if (m.alive) {
        return &m;
      }
      dead = &m;
    }
  }
  return dead;
}

nlohmann::json ClusterTest::checkSpec(const std::string& name, const std::string& interval,
                                      const std::string& suffix) const {
  return nlohmann::json{{"type", "http"},         {"host", "127.0.0.1"},
                        {"port", target_.port()}, {"url", "/c/" + name + suffix},
                        {"interval", interval},   {"timeout", "400ms"}};
}

void ClusterTest::putMonitor(const std::string& name, const nlohmann::json& spec) {
  ASSERT_TRUE(client_->put("/9volt/monitor/" + name, spec.dump()));
}

void ClusterTest::putWebhookAlerter(const std::string& name, const std::string& url) {
  ASSERT_TRUE(
      client_->put("/9volt/alerter/" + name,
                   nlohmann::json{{"type", "webhook"}, {"options", {{"url", url}}}}.dump()));
}

void ClusterTest::addChecks(int n, const std::string& interval, const std::string& prefix) {
  std::vector<etcd::TxnOp> ops;
  for (int i = 0; i < n; ++i) {
    std::string name = prefix + std::to_string(i);
    ops.push_back(etcd::TxnOp::put("/9volt/monitor/" + name, checkSpec(name, interval).dump()));
    if (ops.size() == 100 || i == n - 1) {
      ASSERT_TRUE(client_->txn({}, ops));
      ops.clear();
    }
  }
}

void ClusterTest::addHeldChecks(int n, const std::string& prefix) {
  for (int i = 0; i < n; ++i) {
    std::string name = prefix + std::to_string(i);
    auto spec = checkSpec(name, "2s", "/hold/1500");
    spec["timeout"] = "1900ms";
    putMonitor(name, spec);
  }
}

std::vector<Hit> ClusterTest::abortedSince(int64_t at_ms) const {
  std::vector<Hit> out;
  for (const auto& h : target_.hitsSince(at_ms)) {
    if (h.aborted) {
      out.push_back(h);
    }
  }
  return out;
}

std::map<std::string, std::string> ClusterTest::assignments() {
  std::map<std::string, std::string> out;
  const std::string prefix = "/9volt/cluster/assignments/";
  auto r = client_->range(prefix, {.prefix = true});
  if (!r) {
    return out;
  }
  for (const auto& kv : r->kvs) {
    std::string rest = kv.key.substr(prefix.size());
    std::string member = rest.substr(0, rest.find('/'));
    for (const auto& n : nlohmann::json::parse(kv.value)) {
      out[n.get<std::string>()] = member;
    }
  }
  return out;
}

std::set<std::string> ClusterTest::registeredMembers() {
  std::set<std::string> out;
  const std::string prefix = "/9volt/cluster/members/";
  auto r = client_->range(prefix, {.prefix = true, .keys_only = true});
  if (r) {
    for (const auto& kv : r->kvs) {
      out.insert(kv.key.substr(prefix.size()));
    }
  }
  return out;
}

std::string ClusterTest::director() {
  auto r = client_->range("/9volt/cluster/director");
  if (!r || r->kvs.empty()) {
    return "";
  }
  return nlohmann::json::parse(r->kvs[0].value)["id"];
}

bool ClusterTest::waitPlaced(size_t checks, size_t owners, std::chrono::milliseconds deadline) {
  // The director may write one placement in several txns (120 shard writes each): wait
  // until the assignments have held still for a moment, not just for the first complete
  // looking snapshot.
  std::map<std::string, std::string> last;
  int64_t same_since = 0;
  return eventually(
      [&] {
        auto a = assignments();
        std::set<std::string> who;
        for (const auto& [c, m] : a) {
          who.insert(m);
        }
        if (a.size() != checks || who.size() != owners) {
          last.clear();
          return false;
        }
        if (a != last) {
          last = std::move(a);
          same_since = target_.nowMs();
          return false;
        }
        return target_.nowMs() - same_since >= 300;
      },
      deadline);
}

Runners ClusterTest::runners(const std::vector<Hit>& hits) {
  Runners out;
  for (const auto& h : hits) {
    if (!h.check.empty()) {
      out[h.check].insert(h.member);
    }
  }
  return out;
}

std::vector<Hit> ClusterTest::collect(int64_t at_ms, const std::set<std::string>& checks,
                                      std::chrono::milliseconds span,
                                      std::chrono::milliseconds deadline) {
  bool all = eventually(
      [&] {
        auto r = runners(target_.hitsSince(at_ms));
        return std::all_of(checks.begin(), checks.end(),
                           [&](const std::string& c) { return r.contains(c); });
      },
      deadline);
  EXPECT_TRUE(all) << "not every check ran within " << deadline.count() << " ms";
  int64_t until = target_.nowMs() + span.count();
  eventually([&] { return target_.nowMs() >= until; }, span + 1s);
  return target_.hitsSince(at_ms);
}

void ClusterTest::expectRunByOwnersOnly(const std::vector<Hit>& hits,
                                        const std::map<std::string, std::string>& owner) {
  int wrong = 0;
  for (const auto& [check, who] : runners(hits)) {
    auto it = owner.find(check);
    if (it == owner.end()) {
      continue;
    }
    if (who.size() != 1 || *who.begin() != it->second) {
      if (++wrong <= 5) {
        std::string list;
        for (const auto& w : who) {
          list += w + " ";
        }
        ADD_FAILURE() << check << " owned by " << it->second << " ran on: " << list;
      }
    }
  }
  EXPECT_EQ(wrong, 0) << "checks run elsewhere than (or besides) on their owner";
}

std::map<std::string, int64_t> ClusterTest::longestGaps(const std::vector<Hit>& hits,
                                                        const std::set<std::string>& checks,
                                                        int64_t from_ms, int64_t to_ms) {
  std::map<std::string, int64_t> last;
  std::map<std::string, int64_t> gap;
  for (const auto& c : checks) {
    last[c] = from_ms;
    gap[c] = 0;
  }
  for (const auto& h : hits) {
    auto it = last.find(h.check);
    if (it == last.end() || h.at_ms < from_ms || h.at_ms > to_ms) {
      continue;
    }
    gap[h.check] = std::max(gap[h.check], h.at_ms - it->second);
    it->second = h.at_ms;
  }
  for (const auto& [c, t] : last) {
    gap[c] = std::max(gap[c], to_ms - t);
  }
  return gap;
}

std::set<std::string> ClusterTest::keysOf(const std::map<std::string, std::string>& m) {
  std::set<std::string> out;
  for (const auto& [k, v] : m) {
    out.insert(k);
  }
  return out;
}

std::string ClusterTest::logs() const {
  std::string out;
  for (const auto& m : members_) {
    std::string text = m.process->output();
    if (text.size() > 6000) {
      text = "...\n" + text.substr(text.size() - 6000);
    }
    out += "\n==== member " + m.id + " ====\n" + text;
  }
  return out;
}

void figure(const std::string& what, double value, const std::string& unit) {
  std::printf("[figure] %s: %.3f %s\n", what.c_str(), value, unit.c_str());
  std::fflush(stdout);
}

}  // namespace ninevolt::e2e
