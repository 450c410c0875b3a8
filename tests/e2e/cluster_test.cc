// Several `9volt server` processes on one real etcd, running http checks against a local
// target that records which member (User-Agent) ran each check.
#include <gtest/gtest.h>

#include "cluster_harness.h"

namespace ninevolt::e2e {
namespace {

using testing::eventually;

TEST_F(ClusterTest, EveryCheckRunsOnExactlyOneMemberAndMovesOnlyWhenItsMemberDies) {
  addChecks(300, "1s");
  for (int i = 0; i < 3; ++i) {
    startMember();
  }
  ASSERT_TRUE(waitPlaced(300, 3)) << logs();

  // Over a few intervals, every check is run, each by exactly one member: its owner.
  auto before = assignments();
  expectRunByOwnersOnly(collect(target_.nowMs(), keysOf(before), 3s), before);

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
  const int64_t killed_at = target_.nowMs();
  kill9(*victim);
  // Its checks run on survivors within member-ttl (5 s) + 2 s (+ one 1 s interval).
  ASSERT_TRUE(eventually(
      [&] {
        auto r = runners(target_.hitsSince(killed_at));
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
      15s))
      << logs();
  const int64_t took = target_.nowMs() - killed_at;
  figure("kill -9 of a member: all its checks run by survivors after", took / 1e3, "s");
  EXPECT_LT(took, 8000);
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
  expectRunByOwnersOnly(collect(target_.nowMs(), keysOf(after), 3s), after);
  for (auto& m : members_) {
    if (m.alive) {
      stopMember(m);
    }
  }
}

TEST_F(ClusterTest, AMovedCheckContinuesItsFailureCount) {
  target_.setStatus("bad", 500);
  auto spec = checkSpec("bad", "300ms");
  spec["timeout"] = "200ms";
  spec["warning-threshold"] = 1;
  spec["critical-threshold"] = 3;
  putMonitor("bad", spec);
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
  ASSERT_TRUE(eventually([&] { return registeredMembers().size() == 2U; }));
  kill9(*memberById(owner));
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
}  // namespace ninevolt::e2e
