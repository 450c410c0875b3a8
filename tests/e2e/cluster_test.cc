// Several `9volt server` processes on one real etcd, running http checks against a local
// target that records which member (User-Agent) ran each check.
#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include "../integration/checks/http/test_server.h"
#include "common/ids.h"
#include "support/etcd_fixture.h"
#include "support/process.h"

namespace ninevolt {
namespace {

using namespace std::chrono_literals;
using checks::http::testing::TestServer;
using ninevolt::testing::eventually;
using ninevolt::testing::freePort;
using ninevolt::testing::httpGet;
using ninevolt::testing::Process;

struct Member {
  std::string id;
  uint16_t port = 0;
  std::unique_ptr<Process> process;
};

class ClusterTest : public ninevolt::testing::EtcdTest {
 protected:
  void addChecks(int n, const std::string& interval) {
    for (int i = 0; i < n; ++i) {
      std::string name = "c" + std::to_string(i);
      nlohmann::json spec{{"type", "http"},      {"host", "127.0.0.1"},  {"port", target_.port()},
                          {"url", "/c/" + name}, {"interval", interval}, {"timeout", "500ms"}};
      ASSERT_TRUE(client_->put("/9volt/monitor/" + name, spec.dump()));
    }
    checks_ = n;
  }

  Member& startMember() {
    Member m;
    m.port = freePort();
    std::string listen = "127.0.0.1:" + std::to_string(m.port);
    m.id = common::memberId(common::hostName(), listen);
    m.process = std::make_unique<Process>(
        std::vector<std::string>{NINEVOLT_BINARY, "server", "-e", etcd_->endpoint(), "--listen",
                                 listen, "--workers", "1"},
        std::map<std::string, std::string>{},
        (dir_->path() / ("member-" + m.id + ".log")).string());
    members_.push_back(std::move(m));
    return members_.back();
  }

  // check name -> owner, from the assignments in etcd.
  std::map<std::string, std::string> assignments() {
    std::map<std::string, std::string> out;
    auto r = client_->range("/9volt/cluster/assignments/", {.prefix = true});
    if (!r) {
      return out;
    }
    for (const auto& kv : r->kvs) {
      std::string rest = kv.key.substr(std::string("/9volt/cluster/assignments/").size());
      std::string member = rest.substr(0, rest.find('/'));
      for (const auto& n : nlohmann::json::parse(kv.value)) {
        out[n.get<std::string>()] = member;
      }
    }
    return out;
  }

  // Which members ran each check in requests [from, end).
  std::map<std::string, std::set<std::string>> runners(size_t from) {
    std::map<std::string, std::set<std::string>> out;
    auto reqs = target_.requests();
    for (size_t i = from; i < reqs.size(); ++i) {
      std::string ua = reqs[i].headers["User-Agent"];
      auto p = ua.find("(member ");
      std::string member = p == std::string::npos ? "?" : ua.substr(p + 8, 8);
      out[reqs[i].target.substr(3)].insert(member);  // "/c/<name>"
    }
    return out;
  }

  std::string director() {
    auto r = client_->range("/9volt/cluster/director");
    if (!r || r->kvs.empty()) {
      return "";
    }
    return nlohmann::json::parse(r->kvs[0].value)["id"];
  }

  TestServer target_;
  std::vector<Member> members_;
  int checks_ = 0;
};

TEST_F(ClusterTest, EveryCheckRunsOnExactlyOneMemberAndMovesOnlyWhenItsMemberDies) {
  addChecks(300, "1s");
  for (int i = 0; i < 3; ++i) {
    startMember();
  }
  // Placement settles: all checks assigned, over all three members.
  ASSERT_TRUE(eventually(
      [&] {
        auto a = assignments();
        std::set<std::string> owners;
        for (const auto& [c, m] : a) {
          owners.insert(m);
        }
        return a.size() == 300U && owners.size() == 3U;
      },
      30s))
      << members_[0].process->output();

  // Over a few intervals, every check is run, each by exactly one member: its owner.
  size_t mark = target_.requests().size();
  ASSERT_TRUE(eventually([&] { return runners(mark).size() == 300U; }, 10s));
  size_t mark2 = target_.requests().size();
  ASSERT_TRUE(eventually([&] { return target_.requests().size() >= mark2 + 900; }, 15s));
  auto before = assignments();
  for (const auto& [check, who] : runners(mark2)) {
    ASSERT_EQ(who.size(), 1U) << check;
    EXPECT_EQ(*who.begin(), before[check]) << check;
  }

  // Every check's state is in etcd, written by its owner.
  ASSERT_TRUE(eventually(
      [&] {
        auto r = client_->range("/9volt/state/", {.prefix = true});
        if (!r || r->kvs.size() != 300U) {
          return false;
        }
        for (const auto& kv : r->kvs) {
          auto j = nlohmann::json::parse(kv.value);
          if (j["owner"] != before[j["check"].get<std::string>()] || j["status"] != "ok") {
            return false;
          }
        }
        return true;
      },
      10s));

  // kill -9 a member that is not the director.
  std::string dir = director();
  ASSERT_FALSE(dir.empty());
  Member* victim = nullptr;
  for (auto& m : members_) {
    if (m.id != dir) {
      victim = &m;
      break;
    }
  }
  ASSERT_NE(victim, nullptr);
  std::set<std::string> orphaned;
  for (const auto& [c, m] : before) {
    if (m == victim->id) {
      orphaned.insert(c);
    }
  }
  ASSERT_FALSE(orphaned.empty());
  victim->process->signal(SIGKILL);
  auto killed_at = std::chrono::steady_clock::now();
  size_t mark3 = target_.requests().size();
  // Its checks run on survivors within member-ttl (5 s) + 2 s (+ one 1 s interval).
  ASSERT_TRUE(eventually(
      [&] {
        auto r = runners(mark3);
        for (const auto& c : orphaned) {
          auto it = r.find(c);
          if (it == r.end()) {
            return false;
          }
          std::set<std::string> others = it->second;
          others.erase(victim->id);
          if (others.empty()) {
            return false;  // not yet run by a survivor
          }
        }
        return true;
      },
      15s));
  auto took = std::chrono::steady_clock::now() - killed_at;
  EXPECT_LT(took, 8s);
  // Nothing else changed owner.
  auto after = assignments();
  for (const auto& [c, m] : before) {
    if (!orphaned.contains(c)) {
      EXPECT_EQ(after[c], m) << c;
    } else {
      EXPECT_NE(after[c], victim->id) << c;
    }
  }
  // And from now on, each check again runs on exactly one member.
  size_t mark4 = target_.requests().size();
  ASSERT_TRUE(eventually([&] { return target_.requests().size() >= mark4 + 900; }, 15s));
  for (const auto& [check, who] : runners(mark4)) {
    EXPECT_EQ(who.size(), 1U) << check;
  }
  for (auto& m : members_) {
    if (&m != victim) {
      m.process->signal(SIGTERM);
      EXPECT_EQ(m.process->wait(20s), 0) << m.process->output();
    }
  }
}

TEST_F(ClusterTest, AMovedCheckContinuesItsFailureCount) {
  nlohmann::json spec{{"type", "http"},         {"host", "127.0.0.1"},    {"port", target_.port()},
                      {"url", "/status/500"},   {"interval", "300ms"},    {"timeout", "200ms"},
                      {"warning-threshold", 1}, {"critical-threshold", 3}};
  ASSERT_TRUE(client_->put("/9volt/monitor/bad", spec.dump()));
  startMember();
  startMember();
  auto state = [&]() -> nlohmann::json {
    auto r = client_->range("/9volt/state/bad");
    return r && !r->kvs.empty() ? nlohmann::json::parse(r->kvs[0].value) : nlohmann::json();
  };
  ASSERT_TRUE(eventually(
      [&] {
        auto s = state();
        return s.is_object() && s["status"] == "critical" && s["count"].get<int>() >= 4;
      },
      30s));
  std::string owner = state()["owner"];
  int count_before = state()["count"];
  // Wait until the other member is registered too, then kill the owner.
  ASSERT_TRUE(eventually([&] {
    return client_->range("/9volt/cluster/members/", {.prefix = true})->kvs.size() == 2U;
  }));
  for (auto& m : members_) {
    if (m.id == owner) {
      m.process->signal(SIGKILL);
    }
  }
  ASSERT_TRUE(eventually(
      [&] {
        auto s = state();
        return s.is_object() && s["owner"] != owner;
      },
      20s));
  auto s = state();
  EXPECT_EQ(s["status"], "critical");
  // The count went on from the old owner's, instead of starting again at 1.
  EXPECT_GT(s["count"].get<int>(), count_before);
}

}  // namespace
}  // namespace ninevolt
