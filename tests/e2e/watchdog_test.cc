// Monitoring the monitor (issue 15 §5): the cluster's watchdog URL is called by whichever
// member is the director, every watchdog-interval, and at most once per interval across a
// director change (kill -9 of the director).
#include <mutex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cluster_harness.h"
#include "receiver.h"

namespace ninevolt::e2e {
namespace {

using alerts::testing::Receiver;
using testing::eventually;

class WatchdogTest : public ClusterTest {
 protected:
  struct Call {
    std::chrono::steady_clock::time_point at;
    std::string member;  // from the User-Agent
  };
  std::vector<Call> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }

  mutable std::mutex mu_;
  std::vector<Call> calls_;
  Receiver receiver_{[this](const Receiver::Request& r) {
    const std::string agent = r.header("user-agent");
    const auto p = agent.find("(member ");
    std::lock_guard lock(mu_);
    calls_.push_back(
        {std::chrono::steady_clock::now(), p == std::string::npos ? "?" : agent.substr(p + 8, 8)});
    return Receiver::Reply{200, "OK"};
  }};
};

TEST_F(WatchdogTest, TheDirectorCallsItEveryIntervalAndAtMostOnceAcrossAChange) {
  constexpr auto kInterval = 5s;
  ASSERT_TRUE(
      client_->put("/9volt/config", nlohmann::json{{"member-ttl", "2s"},
                                                   {"watchdog-url", receiver_.url() + "/ping/abc"},
                                                   {"watchdog-interval", "5s"}}
                                        .dump()));
  startMember();
  startMember();
  ASSERT_TRUE(eventually([&] { return calls().size() >= 2; }, 30s)) << logs();
  const std::string first = director();
  for (const auto& c : calls()) {
    EXPECT_EQ(c.member, first);  // only the director calls
  }
  kill9(*memberById(first));
  ASSERT_TRUE(eventually([&] { return !director().empty() && director() != first; }, 30s));
  const std::string second = director();
  ASSERT_TRUE(eventually(
      [&] {
        auto c = calls();
        return c.size() >= 2 && c.back().member == second && c[c.size() - 2].member == second;
      },
      40s))
      << logs();
  // Never two calls within one interval (the record holds whole seconds: up to 1 s less),
  // whoever made them.
  const auto all = calls();
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_GE(all[i].at - all[i - 1].at, kInterval - 1100ms)
        << "calls " << i - 1 << " (" << all[i - 1].member << ") and " << i << " (" << all[i].member
        << ")";
  }
  // Off: no more calls.
  ASSERT_TRUE(client_->put("/9volt/config",
                           nlohmann::json{{"member-ttl", "2s"}, {"watchdog-url", ""}}.dump()));
  std::this_thread::sleep_for(2s);  // the settings reach the director (a watch event)
  const size_t before = calls().size();
  std::this_thread::sleep_for(kInterval + 2s);  // a window for a call to show
  EXPECT_LE(calls().size(), before + 1);        // one may have been in flight
}

// The cluster's own conditions reach the cluster alerter once each, across director changes.
class ClusterAlerterTest : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    ASSERT_TRUE(client_->put(
        "/9volt/config",
        nlohmann::json{{"member-ttl", "2s"}, {"cluster-alerter", "ops"}, {"orphan-grace", "3s"}}
            .dump()));
    ASSERT_NO_FATAL_FAILURE(putWebhookAlerter("ops", receiver_.url() + "/ops"));
  }
  // check -> kinds received in order: C critical, R resolve.
  std::map<std::string, std::string> told() const {
    std::map<std::string, std::string> out;
    for (const auto& r : receiver_.requests()) {
      auto j = nlohmann::json::parse(r.body, nullptr, false);
      if (!j.is_discarded()) {
        out[j.value("check", "")] += j.value("kind", "") == "resolve" ? "R" : "C";
      }
    }
    return out;
  }
  Receiver receiver_{[](const Receiver::Request&) { return Receiver::Reply{204, ""}; }};
};

TEST_F(ClusterAlerterTest, LostMembersAndOrphansAreToldOnceAcrossADirectorChange) {
  Member& a = startMember();
  ASSERT_TRUE(eventually([&] { return director() == a.id; }, 30s));
  Member& b = startMember();
  Member& c = startMember();
  // A check no member may run: told once after the grace.
  auto spec = checkSpec("mars-only", "1s");
  spec["member-tag"] = "mars";
  putMonitor("mars-only", spec);
  ASSERT_TRUE(eventually([&] { return told()["9volt.orphans"] == "C"; }, 30s)) << logs();

  // Killed: lost. Stopped cleanly: not.
  kill9(b);
  stopMember(c);
  ASSERT_TRUE(eventually([&] { return told()["9volt.member-lost." + b.id] == "C"; }, 30s))
      << logs();

  // The director killed: the next one reports it lost, takes the open conditions over (sends
  // none of them again) and clears the orphans when a member may run the check.
  Member& mars = startMember({.tags = {"mars"}});
  kill9(a);
  ASSERT_TRUE(eventually([&] { return director() == mars.id; }, 30s)) << logs();
  ASSERT_TRUE(eventually([&] { return told()["9volt.orphans"] == "CR"; }, 30s)) << logs();
  ASSERT_TRUE(eventually([&] { return told()["9volt.member-lost." + a.id] == "C"; }, 30s))
      << logs();
  std::this_thread::sleep_for(3s);  // a window for a duplicate to show
  const auto final_counts = told();
  EXPECT_EQ(final_counts.size(), 3u) << receiver_.requests().size();
  EXPECT_EQ(final_counts.at("9volt.member-lost." + b.id), "C");
  EXPECT_EQ(final_counts.at("9volt.member-lost." + a.id), "C");
  EXPECT_EQ(final_counts.at("9volt.orphans"), "CR");
  EXPECT_FALSE(final_counts.contains("9volt.member-lost." + c.id));
}

// A member that knows when it is the problem (issue 15 §4): its network to the targets cut
// (the target fails every request from it) while etcd stays reachable. Its canary fails, it
// marks itself degraded: the check it held is not alerted and runs on the other member; the
// cluster alerter is told once, and once more when it is back.
TEST_F(ClusterAlerterTest, ADegradedMemberHoldsItsFailuresAndItsChecksMoveAway) {
  ASSERT_TRUE(client_->put(
      "/9volt/config",
      nlohmann::json{{"member-ttl", "2s"}, {"cluster-alerter", "ops"}, {"canaries", {"canary"}}}
          .dump()));
  Member& a = startMember();
  Member& b = startMember();
  // The canary: what this member's network reaches (here the same target); no alerters.
  putMonitor("canary", checkSpec("canary", "1s"));
  // The work: failing three runs in a row pages; the canary fails at its first.
  auto work = checkSpec("work", "1s");
  work["critical-threshold"] = 3;
  work["critical-alerter"] = {"ops"};
  putMonitor("work", work);
  std::string owner;
  ASSERT_TRUE(eventually(
      [&] {
        owner = assignments()["work"];
        auto r = client_->range("/9volt/state/work");
        return !owner.empty() && r && !r->kvs.empty()
               && r->kvs[0].value.find("\"status\":\"ok\"") != std::string::npos;
      },
      30s))
      << logs();
  const std::string other = owner == a.id ? b.id : a.id;

  target_.setFailingMembers({owner});
  const auto cut = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return assignments()["work"] == other; }, 20s)) << logs();
  // The issue's goal is member-ttl + 2 s (here 4 s): a figure, not an assertion (timings
  // depend on how busy the machine is).
  figure("a degraded member's check reassigned after its network was cut",
         std::chrono::duration<double>(std::chrono::steady_clock::now() - cut).count(), "s");
  ASSERT_TRUE(eventually([&] { return told()["9volt.member-degraded." + owner] == "C"; }, 20s))
      << logs();
  std::this_thread::sleep_for(4s);  // "work" would have paged by now from the degraded member
  EXPECT_FALSE(told().contains("work")) << receiver_.requests().size();

  // Back: told once; its checks may come back (rendezvous), and nothing paged meanwhile.
  target_.setFailingMembers({});
  ASSERT_TRUE(eventually([&] { return told()["9volt.member-degraded." + owner] == "CR"; }, 30s))
      << logs();
  EXPECT_FALSE(told().contains("work"));
}

// No director for longer than member-ttl + 5 s (issue 15 §5), here because the etcd role the
// members use does not cover the director key (a real misconfiguration: every campaign is
// refused while everything else works). The lowest live member tells the cluster alerter;
// killed, the next one takes the alert over (nothing is sent twice); the role fixed, a
// director is elected and clears it: one trigger, one resolve.
TEST_F(ClusterAlerterTest, NoDirectorIsToldOnceAndClearedOnceOneIsElected) {
  auto etcdctl = [&](const std::vector<std::string>& args, bool as_root = true) {
    std::vector<std::string> argv = {"/usr/bin/etcdctl", "--endpoints", etcd_->endpoint()};
    if (as_root) {
      argv.insert(argv.end(), {"--user", "root:rootpw"});
    }
    argv.insert(argv.end(), args.begin(), args.end());
    testing::Process p(argv, {{"ETCDCTL_API", "3"}}, (dir_->path() / "etcdctl.log").string());
    return p.wait(30s) == 0 ? std::string() : p.output();
  };
  // Everything under /9volt/ but the director key, which it may only read.
  const std::string director_key = "/9volt/cluster/director";
  for (const auto& step : std::vector<std::vector<std::string>>{
           {"user", "add", "root:rootpw"},
           {"user", "grant-role", "root", "root"},
           {"role", "add", "ninevolt"},
           {"role", "grant-permission", "ninevolt", "readwrite", "/9volt/", director_key},
           {"role", "grant-permission", "ninevolt", "readwrite", director_key + "/", "/9volt0"},
           {"role", "grant-permission", "ninevolt", "read", director_key},
           {"user", "add", "ninevolt:memberpw"},
           {"user", "grant-role", "ninevolt", "ninevolt"},
           {"auth", "enable"}}) {
    ASSERT_EQ(etcdctl(step, false), "") << step[0] << " " << step[1];
  }
  client_ = newClient({.username = "root", .password = "rootpw"});
  Member& a = startMember({.userpass = "ninevolt:memberpw"});
  Member& b = startMember({.userpass = "ninevolt:memberpw"});
  Member& low = a.id < b.id ? a : b;
  Member& high = a.id < b.id ? b : a;
  const std::string alarm = "9volt.no-director";
  ASSERT_TRUE(eventually([&] { return told()[alarm] == "C"; }, 30s)) << logs();
  EXPECT_TRUE(director().empty());
  // Its delivery recorded (else the next raiser would rightly send it again): then killed.
  ASSERT_TRUE(eventually(
      [&] {
        auto r = client_->range("/9volt/incident/" + alarm);
        return r && !r->kvs.empty()
               && r->kvs[0].value.find("\"delivered\":true") != std::string::npos;
      },
      10s));
  kill9(low);
  // The next member raises it (its record says so once the dead one's lease is gone) and
  // sends nothing again: a window past the adoption grace (timeout + 2 s).
  ASSERT_TRUE(eventually(
      [&] {
        auto r = client_->range("/9volt/incident/" + alarm);
        return r && !r->kvs.empty()
               && r->kvs[0].value.find("\"owner\":\"" + high.id) != std::string::npos;
      },
      30s))
      << logs();
  std::this_thread::sleep_for(14s);
  EXPECT_EQ(told()[alarm], "C");

  // The role fixed: a director at last, and one resolve.
  ASSERT_EQ(etcdctl({"role", "grant-permission", "ninevolt", "readwrite", director_key}), "");
  ASSERT_TRUE(eventually([&] { return director() == high.id; }, 30s)) << logs();
  ASSERT_TRUE(eventually([&] { return told()[alarm] == "CR"; }, 30s)) << logs();
  std::this_thread::sleep_for(3s);  // a window for a duplicate to show
  EXPECT_EQ(told()[alarm], "CR");
}

}  // namespace
}  // namespace ninevolt::e2e
