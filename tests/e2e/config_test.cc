// Live config (issue 4 §3, §5, §6): a monitor edited straight in etcd reaches its running
// check within 1 s and restarts only that check; after a disconnect long enough for the
// history to be compacted, a member re-lists and resyncs without restarting unchanged checks.
//
// How "not restarted" is observed: the other checks are http checks of /c/<name>/hold/<ms>,
// whose answer the target holds back for most of their interval, so at any moment most of
// them have a run in flight. A restart cancels the run in flight, and the target records the
// client leaving before the answer (Hit::aborted). A changed check shows exactly that.
#include <gtest/gtest.h>

#include "cluster_harness.h"
#include "tcp_proxy.h"

namespace ninevolt::e2e {
namespace {

using testing::eventually;

class ConfigTest : public ClusterTest {
 protected:
  static constexpr int kHeld = 20;

  // The fast check that gets edited: every 500 ms, answer held 300 ms.
  nlohmann::json editSpec(const std::string& version) {
    auto spec = checkSpec("edit", "500ms", "/hold/300?v=" + version);
    spec["timeout"] = "450ms";
    return spec;
  }

  // When the first request of `check` whose path contains `text` arrived after at_ms; -1.
  int64_t firstWith(const std::string& check, const std::string& text, int64_t at_ms) {
    for (const auto& h : target_.hitsSince(at_ms)) {
      if (h.check == check && h.path.find(text) != std::string::npos) {
        return h.at_ms;
      }
    }
    return -1;
  }

  // Waits for a run of `check` to arrive after at_ms (it is then in flight); returns when.
  int64_t waitRunArrives(const std::string& check, int64_t at_ms) {
    int64_t seen = -1;
    eventually(
        [&] {
          for (const auto& h : target_.hitsSince(at_ms)) {
            if (h.check == check) {
              seen = h.at_ms;
              return true;
            }
          }
          return false;
        },
        5s);
    return seen;
  }
};

TEST_F(ConfigTest, AnEditReachesItsCheckWithinASecondAndRestartsOnlyThatCheck) {
  addHeldChecks(kHeld);
  putMonitor("edit", editSpec("1"));
  startMember();
  startMember();
  ASSERT_TRUE(waitPlaced(kHeld + 1, 2)) << logs();
  auto owners = assignments();
  collect(target_.nowMs(), keysOf(owners), 2s);
  // (Runs cut while the members joined one after the other, and the checks moved, are
  // older than anything looked at below.)

  // Edit right after a run of "edit" arrived: that run is in flight (held 300 ms) and must
  // be cancelled by the restart; the new spec's first run comes within 1 s.
  const int64_t in_flight = waitRunArrives("edit", target_.nowMs());
  ASSERT_GE(in_flight, 0);
  const int64_t put_at = target_.nowMs();
  putMonitor("edit", editSpec("2"));
  ASSERT_TRUE(eventually([&] { return firstWith("edit", "v=2", put_at) >= 0; }, 3s)) << logs();
  const int64_t took = firstWith("edit", "v=2", put_at) - put_at;
  figure("config edit via etcd: first run with the new spec after the put", took / 1e3, "s");
  EXPECT_LE(took, 1000);

  // Two intervals of the held checks later: the edited check's in-flight run was cut (the
  // restart), the old spec ran no more, and no other check lost a run.
  collect(put_at, keysOf(owners), 4500ms);
  auto aborted = abortedSince(put_at - 1000);
  ASSERT_EQ(aborted.size(), 1U) << "only the edited check restarts";
  EXPECT_EQ(aborted[0].check, "edit");
  EXPECT_EQ(aborted[0].at_ms, in_flight);
  EXPECT_LT(firstWith("edit", "v=1", firstWith("edit", "v=2", put_at) + 1), 0)
      << "the old spec still ran after the new one started";
  std::set<std::string> held = keysOf(owners);
  held.erase("edit");
  for (const auto& [check, gap] :
       longestGaps(target_.hitsSince(put_at - 3000), held, put_at - 2000, target_.nowMs() - 500)) {
    EXPECT_LE(gap, 2300) << check << " missed a run";
  }
}

// The etcd side of a member is cut for a moment; meanwhile a monitor changes and etcd's
// history is compacted past what the member saw, so its watches cannot resume: they re-list
// (resync). Only the changed check may restart.
TEST_F(ConfigTest, ResyncAfterCompactionRestartsOnlyTheChangedCheck) {
  addHeldChecks(kHeld);
  putMonitor("edit", editSpec("1"));
  const std::string url = etcd_->endpoint();
  TcpProxy proxy("127.0.0.1", static_cast<uint16_t>(std::stoi(url.substr(url.rfind(':') + 1))));
  // One member only, behind the proxy: it owns every check.
  startMember({.endpoints = {proxy.endpoint()}});
  ASSERT_TRUE(waitPlaced(kHeld + 1, 1)) << logs();
  auto owners = assignments();
  collect(target_.nowMs(), keysOf(owners), 2s);

  const int64_t cut_at = target_.nowMs();
  proxy.cut();
  putMonitor("edit", editSpec("2"));
  putMonitor("unrelated", checkSpec("unrelated", "1s"));  // more history to compact
  client_->del("/9volt/monitor/unrelated");
  auto rev = client_->status();
  ASSERT_TRUE(rev);
  ASSERT_TRUE(client_->compact(rev->revision, true));
  // Held for 1 s in all (well inside the lease): the member's watches are down for it.
  eventually([&] { return target_.nowMs() >= cut_at + 1000; }, 2s);
  proxy.restore();
  const int64_t restored_at = target_.nowMs();

  ASSERT_TRUE(eventually([&] { return firstWith("edit", "v=2", cut_at) >= 0; }, 10s)) << logs();
  figure("resync after compaction: new spec running after the member's reconnect",
         (firstWith("edit", "v=2", cut_at) - restored_at) / 1e3, "s");
  collect(restored_at, keysOf(owners), 4500ms);
  for (const auto& h : abortedSince(cut_at - 1000)) {
    EXPECT_EQ(h.check, "edit") << h.check << " restarted although its spec did not change";
  }
  std::set<std::string> held = keysOf(owners);
  held.erase("edit");
  for (const auto& [check, gap] :
       longestGaps(target_.hitsSince(cut_at - 3000), held, cut_at - 2000, target_.nowMs() - 500)) {
    EXPECT_LE(gap, 2300) << check << " missed a run";
  }
  EXPECT_EQ(assignments(), owners);
  const std::string log = members_[0].process->output();
  EXPECT_NE(log.find("re-listed"), std::string::npos) << "the watches did not resync" << log;
  EXPECT_EQ(log.find("lost etcd lease"), std::string::npos) << log;
}

}  // namespace
}  // namespace ninevolt::e2e
