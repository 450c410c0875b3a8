// 3 members share 3,000 checks (issue 4 §6): each check runs on exactly one member, and
// the members carry about the same number (max/mean <= 1.15).
#include <algorithm>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "cluster_harness.h"

namespace ninevolt::e2e {
namespace {

// CPU seconds (user + system) a process used so far, from /proc/<pid>/stat.
double cpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) {
    return 0;
  }
  std::istringstream fields(text.substr(close + 2));
  std::string f;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14 || i == 15) {  // utime, stime
      ticks += std::stod(f);
    }
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

class ScaleTest : public ClusterTest {};

TEST_F(ScaleTest, ThreeMembersShare3000ChecksEvenlyEachRunOnce) {
  // Every 5 s: 600 runs a second over the three members, which 2 cores carry beside the
  // other tests.
  constexpr int kChecks = 3000;
  constexpr int64_t kIntervalMs = 5000;
  addChecks(kChecks, "5s");
  const int64_t start_at = target_.nowMs();
  for (int i = 0; i < 3; ++i) {
    startMember();
  }
  ASSERT_TRUE(waitPlaced(kChecks, 3, 60s)) << logs();
  figure("3,000 checks: placement settled after the members' start",
         (target_.nowMs() - start_at) / 1e3, "s");
  auto owners = assignments();

  std::map<std::string, int> per_member;
  for (const auto& [c, m] : owners) {
    per_member[m]++;
  }
  int most = 0;
  for (const auto& [m, n] : per_member) {
    most = std::max(most, n);
  }
  const double balance = most / (kChecks / 3.0);
  figure("3,000 checks: balance max/mean (assignments)", balance, "");
  EXPECT_LE(balance, 1.15);

  // Every check runs (the first runs come within one interval of the placement), then one
  // more whole interval, in which each check ran on its owner and nowhere else.
  const int64_t placed_at = target_.nowMs();
  auto first = collect(placed_at, keysOf(owners), 0ms, 30s);
  const int64_t all_running = target_.nowMs();
  figure("3,000 checks: every check running after placement", (all_running - placed_at) / 1e3, "s");
  std::map<pid_t, double> cpu_before;
  for (const auto& m : members_) {
    cpu_before[m.process->pid()] = cpuSeconds(m.process->pid());
  }
  auto window = collect(all_running, keysOf(owners), std::chrono::milliseconds(kIntervalMs + 500));
  expectRunByOwnersOnly(window, owners);
  const double window_s = (target_.nowMs() - all_running) / 1e3;
  for (const auto& m : members_) {
    double used = cpuSeconds(m.process->pid()) - cpu_before[m.process->pid()];
    figure("3,000 checks: CPU of member " + m.id + " (~1,000 checks, 200 runs/s)", used / window_s,
           "cores");
  }
  // Runs in the window per member follow the assignments (each check about once).
  std::map<std::string, int> runs;
  for (const auto& h : window) {
    runs[h.member]++;
  }
  int most_runs = 0;
  int total_runs = 0;
  for (const auto& [m, n] : runs) {
    most_runs = std::max(most_runs, n);
    total_runs += n;
  }
  figure("3,000 checks: balance max/mean (runs at the target)",
         most_runs / (total_runs / static_cast<double>(runs.size())), "");
  EXPECT_EQ(runs.size(), 3U);
}

}  // namespace
}  // namespace ninevolt::e2e
