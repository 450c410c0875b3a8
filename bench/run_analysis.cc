#include "run_analysis.h"

#include <algorithm>

namespace ninevolt::bench {

Coverage firstRuns(const std::vector<RunRecord>& log, size_t checks, int64_t from_ms) {
  std::vector<int64_t> first(checks, 0);
  Coverage c;
  for (const auto& r : log) {
    if (r.ms < from_ms || r.check >= checks || first[r.check] != 0) {
      continue;
    }
    first[r.check] = r.ms;
    c.seen++;
  }
  if (c.seen == checks) {
    c.all_seen_ms = *std::max_element(first.begin(), first.end());
  }
  return c;
}

WindowStats window(const std::vector<RunRecord>& log, size_t checks, int64_t from_ms,
                   int64_t to_ms) {
  constexpr uint16_t kNone = 0xffff;
  constexpr uint16_t kMany = 0xfffe;
  std::vector<uint16_t> member(checks, kNone);
  WindowStats w;
  w.seconds = static_cast<double>(to_ms - from_ms) / 1000.0;
  for (const auto& r : log) {
    if (r.ms < from_ms || r.ms >= to_ms || r.check >= checks) {
      continue;
    }
    w.runs++;
    w.unknown_member += r.member == 0 ? 1 : 0;
    uint16_t& m = member[r.check];
    if (m == kNone) {
      m = r.member;
    } else if (m != r.member && m != kMany) {
      m = kMany;
      w.several_members++;
    }
  }
  w.never_ran = static_cast<size_t>(std::count(member.begin(), member.end(), kNone));
  return w;
}

KillStats afterKill(const std::vector<RunRecord>& log, size_t checks, uint16_t victim,
                    int64_t kill_ms, int64_t until_ms, int64_t interval_ms) {
  constexpr uint16_t kNone = 0xffff;
  struct PerCheck {
    uint16_t before = kNone;  // member of the last run before the kill
    int64_t last_before_ms = 0;
    uint16_t after = kNone;  // first member after the kill
    int64_t first_after_ms = 0;
    bool several_after = false;
  };
  std::vector<PerCheck> c(checks);
  KillStats k;
  for (const auto& r : log) {
    if (r.check >= checks || r.ms >= until_ms) {
      continue;
    }
    PerCheck& p = c[r.check];
    if (r.ms < kill_ms) {
      p.before = r.member;
      p.last_before_ms = r.ms;
      continue;
    }
    if (r.member == victim) {
      k.victim_ran_after++;
      continue;
    }
    if (p.after == kNone) {
      p.after = r.member;
      p.first_after_ms = r.ms;
    } else if (p.after != r.member) {
      p.several_after = true;
    }
  }
  for (const auto& p : c) {
    if (p.before == victim) {
      k.victim_checks++;
      if (p.after != kNone) {
        k.resumed++;
        k.all_resumed_ms = std::max(k.all_resumed_ms, p.first_after_ms);
        const int64_t gap = p.first_after_ms - p.last_before_ms;
        k.max_gap_ms = std::max(k.max_gap_ms, gap);
        k.missed_a_run += gap * 2 > interval_ms * 3 ? 1 : 0;
      }
      k.several_new_owners += p.several_after ? 1 : 0;
    } else if (p.before != kNone && p.after != kNone && (p.after != p.before || p.several_after)) {
      k.others_moved++;
    }
  }
  if (k.resumed != k.victim_checks) {
    k.all_resumed_ms = 0;
  }
  return k;
}

}  // namespace ninevolt::bench
