#include "member_metrics.h"

#include <charconv>

namespace ninevolt::bench {

namespace {

template <typename T>
bool valueAfter(std::string_view line, size_t at, T& out) {
  while (at < line.size() && line[at] == ' ') {
    ++at;
  }
  const char* end = line.data() + line.size();
  return std::from_chars(line.data() + at, end, out).ec == std::errc();
}

}  // namespace

MemberMetrics parseMemberMetrics(std::string_view text) {
  constexpr std::string_view kRuns = "ninevolt_check_runs_total{check=\"";
  constexpr std::string_view kDirector = "ninevolt_cluster_is_director ";
  constexpr std::string_view kLease = "ninevolt_etcd_lease_live ";
  MemberMetrics out;
  forEachLine(text, [&](std::string_view line) {
    if (line.starts_with(kRuns)) {
      const size_t name_end = line.find('"', kRuns.size());
      const size_t close = line.find('}', kRuns.size());
      uint64_t runs = 0;
      if (name_end != std::string_view::npos && close != std::string_view::npos
          && valueAfter(line, close + 1, runs)) {
        out.runs[std::string(line.substr(kRuns.size(), name_end - kRuns.size()))] = runs;
      }
    } else if (line.starts_with(kDirector)) {
      valueAfter(line, kDirector.size(), out.is_director);
    } else if (line.starts_with(kLease)) {
      valueAfter(line, kLease.size(), out.lease_live);
    }
  });
  return out;
}

}  // namespace ninevolt::bench
