// placement_bench: CPU time of cluster::place() for many checks over many members, and how
// many checks move when one member joins or leaves. Pure computation (no etcd); see README.md.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cluster/placement.h"
#include "common/ids.h"

namespace ninevolt::bench {
namespace {

using nlohmann::json;

struct Flags {
  size_t checks = 1000000;
  size_t members = 100;
  int repeat = 3;
  std::string json_file;
};

// CPU seconds of this process (all threads): what the goal is stated in.
double cpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double wallSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Member ids as 9volt makes them (8 hex characters of an md5), from distinct listen addresses.
std::vector<cluster::MemberView> makeMembers(size_t n, size_t first = 0) {
  std::vector<cluster::MemberView> out;
  for (size_t i = first; i < first + n; ++i) {
    out.push_back({common::memberId("bench-host", fmt::format("127.0.0.1:{}", 20000 + i)), {}});
  }
  return out;
}

// Names shaped like real ones (a service, an index, a kind), 20-30 characters.
std::vector<cluster::CheckView> makeChecks(size_t n) {
  static const char* kKinds[] = {"http", "tcp", "dns", "exec"};
  std::vector<cluster::CheckView> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back({fmt::format("svc-{:07d}.{}-probe", i, kKinds[i % 4]), "", false});
  }
  return out;
}

std::unordered_map<std::string, std::string> ownerOf(const cluster::Placement& p) {
  std::unordered_map<std::string, std::string> out;
  for (const auto& [member, names] : p.owned) {
    for (const auto& n : names) {
      out.emplace(n, member);
    }
  }
  return out;
}

struct Movement {
  size_t moved = 0;
  size_t moved_not_to_or_from_changed = 0;  // moves that minimal movement forbids
};

// Checks whose owner differs; a move is allowed only to the joiner or away from the leaver.
Movement compare(const cluster::Placement& before, const cluster::Placement& after,
                 const std::string& changed_member) {
  auto a = ownerOf(before);
  auto b = ownerOf(after);
  Movement m;
  for (const auto& [name, owner] : a) {
    auto it = b.find(name);
    if (it == b.end() || it->second != owner) {
      m.moved++;
      const std::string now = it == b.end() ? "" : it->second;
      if (now != changed_member && owner != changed_member) {
        m.moved_not_to_or_from_changed++;
      }
    }
  }
  return m;
}

int run(const Flags& f) {
  auto members = makeMembers(f.members);
  auto checks = makeChecks(f.checks);
  std::printf("placement_bench: %zu checks over %zu members, best of %d\n", f.checks, f.members,
              f.repeat);

  double best_cpu = 1e9;
  double best_wall = 1e9;
  cluster::Placement base;
  for (int r = 0; r < f.repeat; ++r) {
    double c0 = cpuSeconds();
    double w0 = wallSeconds();
    cluster::Placement p = cluster::place(members, checks);
    double cpu = cpuSeconds() - c0;
    double wall = wallSeconds() - w0;
    std::printf("  run %d: %.3f s CPU, %.3f s wall\n", r + 1, cpu, wall);
    best_cpu = std::min(best_cpu, cpu);
    best_wall = std::min(best_wall, wall);
    if (r == 0) {
      base = std::move(p);
    }
  }

  size_t placed = 0;
  size_t max_owned = 0;
  for (const auto& [m, names] : base.owned) {
    placed += names.size();
    max_owned = std::max(max_owned, names.size());
  }
  const double mean = static_cast<double>(placed) / static_cast<double>(f.members);
  const double balance = static_cast<double>(max_owned) / mean;

  // One member joins: ideally 1/(N+1) of the checks move, all of them to the joiner.
  auto joined_members = members;
  auto joiner = makeMembers(1, f.members).front();
  joined_members.push_back(joiner);
  double c0 = cpuSeconds();
  auto joined = cluster::place(joined_members, checks);
  double join_cpu = cpuSeconds() - c0;
  Movement join = compare(base, joined, joiner.id);

  // One member leaves: ideally 1/N move (its own), none other.
  auto left_members = members;
  const std::string leaver = left_members[f.members / 2].id;
  left_members.erase(left_members.begin() + static_cast<ptrdiff_t>(f.members / 2));
  auto left = cluster::place(left_members, checks);
  Movement leave = compare(base, left, leaver);

  const double n = static_cast<double>(f.checks);
  const double join_frac = static_cast<double>(join.moved) / n;
  const double join_ideal = 1.0 / static_cast<double>(f.members + 1);
  const double leave_frac = static_cast<double>(leave.moved) / n;
  const double leave_ideal = 1.0 / static_cast<double>(f.members);
  std::printf("  place: %.3f s CPU (best), %.3f s wall; balance max/mean %.3f\n", best_cpu,
              best_wall, balance);
  std::printf(
      "  join:  %zu moved = %.4f of all (ideal 1/(N+1) = %.4f, ratio %.3f), %zu not to "
      "the joiner; %.3f s CPU\n",
      join.moved, join_frac, join_ideal, join_frac / join_ideal, join.moved_not_to_or_from_changed,
      join_cpu);
  std::printf(
      "  leave: %zu moved = %.4f of all (ideal 1/N = %.4f, ratio %.3f), %zu not the "
      "leaver's\n",
      leave.moved, leave_frac, leave_ideal, leave_frac / leave_ideal,
      leave.moved_not_to_or_from_changed);

  json report{{"checks", f.checks},
              {"members", f.members},
              {"cpu_s_best", best_cpu},
              {"wall_s_best", best_wall},
              {"goal_cpu_s", 2.0},
              {"balance_max_over_mean", balance},
              {"join",
               {{"moved", join.moved},
                {"fraction", join_frac},
                {"ideal", join_ideal},
                {"moved_elsewhere", join.moved_not_to_or_from_changed},
                {"cpu_s", join_cpu}}},
              {"leave",
               {{"moved", leave.moved},
                {"fraction", leave_frac},
                {"ideal", leave_ideal},
                {"moved_elsewhere", leave.moved_not_to_or_from_changed}}}};
  if (!f.json_file.empty()) {
    std::ofstream(f.json_file) << report.dump(2) << "\n";
  }
  const bool minimal =
      join.moved_not_to_or_from_changed == 0 && leave.moved_not_to_or_from_changed == 0;
  return minimal ? 0 : 1;
}

}  // namespace
}  // namespace ninevolt::bench

int main(int argc, char** argv) {
  ninevolt::bench::Flags f;
  CLI::App app{"placement_bench: cluster::place() CPU time and movement on join/leave"};
  app.add_option("--checks", f.checks, "checks to place")->capture_default_str();
  app.add_option("--members", f.members, "members")->capture_default_str();
  app.add_option("--repeat", f.repeat, "placements timed (the best is reported)")
      ->capture_default_str();
  app.add_option("--json-file", f.json_file, "write the report here");
  CLI11_PARSE(app, argc, argv);
  return ninevolt::bench::run(f);
}
