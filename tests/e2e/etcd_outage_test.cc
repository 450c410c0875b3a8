// etcd goes away under a running cluster (issue 4 §5, §6): a short outage (< member-ttl)
// disturbs nothing; a long one (> member-ttl) makes every member stop its checks, and they
// all run again, each exactly once, soon after etcd is back.
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>

#include "cluster_harness.h"

namespace ninevolt::e2e {
namespace {

using testing::eventually;
using testing::httpGet;

class EtcdOutageTest : public ClusterTest {
 protected:
  static constexpr int kChecks = 60;

  // 3 members, kChecks checks every second, all running on their owners.
  void startCluster() {
    addChecks(kChecks, "1s");
    for (int i = 0; i < 3; ++i) {
      startMember();
    }
    ASSERT_TRUE(waitPlaced(kChecks, 3)) << logs();
    owners_ = assignments();
    auto hits = collect(target_.nowMs(), keysOf(owners_), 2s);
    expectRunByOwnersOnly(hits, owners_);
  }

  int health(const Member& m) {
    auto r = httpGet(m.port, "/status/check");
    return r ? r->status : 0;
  }

  std::map<std::string, std::string> owners_;
};

TEST_F(EtcdOutageTest, ShortOutageMovesNothingAndLeavesNoGap) {
  startCluster();
  // One check starts failing while etcd is down: its state write must wait and go out after.
  putMonitor("flip", checkSpec("flip", "500ms"));
  ASSERT_TRUE(eventually([&] {
    auto r = client_->range("/9volt/state/flip");
    return r && !r->kvs.empty() && nlohmann::json::parse(r->kvs[0].value)["status"] == "ok";
  })) << logs();
  owners_ = assignments();

  // etcd stops answering for 3 s: frozen (SIGSTOP), so the 3 s are exactly what members
  // see. (A stop and restart of a one-node etcd costs another ~1.4 s of start-up and up to
  // 1.2 s of gRPC reconnect backoff; with keep-alives every TTL/3 that no longer fits in a
  // 5 s TTL. The long outage below restarts etcd for real.)
  const int64_t down_at = target_.nowMs();
  ASSERT_EQ(kill(etcd_->pid(), SIGSTOP), 0);
  target_.setStatus("flip", 500);
  // Meanwhile members keep answering their health check, with 500 (degraded).
  int64_t degraded_after = -1;
  while (target_.nowMs() < down_at + 3000) {
    if (degraded_after < 0 && health(members_[0]) == 500) {
      degraded_after = target_.nowMs() - down_at;
    }
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(kill(etcd_->pid(), SIGCONT), 0);
  const int64_t up_at = target_.nowMs();
  figure("short outage: etcd frozen", (up_at - down_at) / 1e3, "s");
  figure("short outage: /status/check 500 after", degraded_after / 1e3, "s");
  EXPECT_GE(degraded_after, 0) << "/status/check never said 500 while etcd was frozen";

  // The queued state write arrives.
  ASSERT_TRUE(eventually(
      [&] {
        auto r = client_->range("/9volt/state/flip");
        return r && !r->kvs.empty()
               && nlohmann::json::parse(r->kvs[0].value)["status"] == "critical";
      },
      5s))
      << logs();
  figure("short outage: queued state write visible after etcd's return",
         (target_.nowMs() - up_at) / 1e3, "s");

  // Nothing moved, nobody stopped: every check ran on its owner all along, without a gap.
  auto hits = collect(up_at, keysOf(owners_), 3s);
  auto all = target_.hitsSince(down_at - 2000);
  EXPECT_EQ(assignments(), owners_);
  expectRunByOwnersOnly(all, owners_);
  auto gaps = longestGaps(all, keysOf(owners_), down_at - 1000, target_.nowMs() - 1000);
  int64_t worst = 0;
  for (const auto& [check, gap] : gaps) {
    worst = std::max(worst, gap);
    EXPECT_LE(gap, check == "flip" ? 1000 : 1600) << check << logs();
  }
  figure("short outage: longest gap between two runs of a 1 s check", worst / 1e3, "s");
  for (const auto& m : members_) {
    EXPECT_EQ(m.process->output().find("lost etcd lease"), std::string::npos) << m.id;
  }
  EXPECT_TRUE(eventually([&] { return health(members_[0]) == 200; }, 5s));
}

TEST_F(EtcdOutageTest, LongOutageStopsEveryCheckAndAllRunOnceAfterwards) {
  startCluster();
  const int64_t down_at = target_.nowMs();
  ASSERT_TRUE(etcd_->stop());
  // While etcd is down: every member reports 500 on /status/check, and once its lease can no
  // longer be alive (member-ttl after the last keep-alive, at most TTL after the stop) it
  // runs nothing.
  std::map<std::string, int64_t> degraded_after;
  while (target_.nowMs() < down_at + 15000) {
    for (const auto& m : members_) {
      if (!degraded_after.contains(m.id) && health(m) == 500) {
        degraded_after[m.id] = target_.nowMs() - down_at;
      }
    }
    std::this_thread::sleep_for(100ms);
  }
  auto during = target_.hitsSince(down_at);
  int64_t last_run = 0;
  for (const auto& h : during) {
    last_run = std::max(last_run, h.at_ms - down_at);
  }
  figure("long outage: last check run after etcd stopped", last_run / 1e3, "s");
  EXPECT_LE(last_run, std::chrono::milliseconds(kTtl).count() + 500) << logs();
  EXPECT_EQ(degraded_after.size(), members_.size());
  for (const auto& [id, ms] : degraded_after) {
    figure("long outage: /status/check 500 after", ms / 1e3, "s");
  }

  ASSERT_TRUE(etcd_->restart());
  const int64_t up_at = target_.nowMs();
  client_ = newClient();
  figure("long outage: etcd unavailable", (up_at - down_at) / 1e3, "s");
  // Every check runs again within 10 s of etcd's return...
  std::set<std::string> all_checks = keysOf(owners_);
  ASSERT_TRUE(eventually(
      [&] {
        auto r = runners(target_.hitsSince(up_at));
        return std::all_of(all_checks.begin(), all_checks.end(),
                           [&](const std::string& c) { return r.contains(c); });
      },
      10s))
      << logs();
  const int64_t all_back = target_.nowMs();
  figure("long outage: every check running again after etcd's return", (all_back - up_at) / 1e3,
         "s");
  // ... each on exactly one member, the same placement as before (the members are the same).
  auto hits = collect(all_back, all_checks, 2s);
  auto now_owners = assignments();
  EXPECT_EQ(now_owners, owners_);
  expectRunByOwnersOnly(target_.hitsSince(up_at), now_owners);
  for (const auto& m : members_) {
    EXPECT_TRUE(eventually([&] { return health(m) == 200; }, 5s)) << m.id;
  }
}

}  // namespace
}  // namespace ninevolt::e2e
