#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ninevolt::bench {

// What the chaos run reads from one member's GET /metrics (docs/api.md, "Metrics"): the
// checks in its engine right now (a check has its series exactly while this member runs
// it) with their run counters, and whether it says it is the director.
struct MemberMetrics {
  std::unordered_map<std::string, uint64_t> runs;  // check -> ninevolt_check_runs_total
  int is_director = -1;                            // ninevolt_cluster_is_director; -1: absent
  int lease_live = -1;                             // ninevolt_etcd_lease_live; -1: absent
};

// Calls fn with each line of a Prometheus text page (no trailing newline), in order.
template <typename Fn>
void forEachLine(std::string_view text, Fn fn) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) {
      eol = text.size();
    }
    fn(text.substr(pos, eol - pos));
    pos = eol + 1;
  }
}

// Parses the Prometheus text; lines it does not need are skipped. Check names with escaped
// characters are kept escaped (the chaos run's names have none).
MemberMetrics parseMemberMetrics(std::string_view text);

}  // namespace ninevolt::bench
