#include "soak_sampler.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <system_error>

#include "member_metrics.h"  // forEachLine

namespace ninevolt::bench {
namespace {

double parseNumber(std::string_view s) {
  if (s == "+Inf") {
    return std::numeric_limits<double>::infinity();
  }
  double v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// The value of a sample line "name{labels} value" or "name value".
double lineValue(std::string_view line) {
  return parseNumber(line.substr(line.rfind(' ') + 1));
}

}  // namespace

EngineCounters parseEngineCounters(std::string_view text) {
  EngineCounters c;
  constexpr std::string_view kRuns = "ninevolt_engine_runs_total ";
  constexpr std::string_view kSkipped = "ninevolt_engine_skipped_runs_total ";
  constexpr std::string_view kBucket = "ninevolt_engine_schedule_lag_seconds_bucket{le=\"";
  forEachLine(text, [&](std::string_view line) {
    if (line.starts_with(kRuns)) {
      c.runs = lineValue(line);
    } else if (line.starts_with(kSkipped)) {
      c.skipped = lineValue(line);
    } else if (line.starts_with(kBucket)) {
      auto rest = line.substr(kBucket.size());
      c.lag_buckets[parseNumber(rest.substr(0, rest.find('"')))] = lineValue(line);
    }
  });
  return c;
}

double lateRuns(const EngineCounters& then, const EngineCounters& now, double late) {
  double total = 0;
  double on_time = 0;
  bool edge_found = false;
  for (const auto& [le, count] : now.lag_buckets) {
    const double before = then.lag_buckets.contains(le) ? then.lag_buckets.at(le) : 0;
    if (std::isinf(le)) {
      total = count - before;
    } else if (le >= late && !edge_found) {
      on_time = count - before;
      edge_found = true;
    }
  }
  return std::max(0.0, total - on_time);
}

double lagQuantile(const EngineCounters& then, const EngineCounters& now, double q) {
  double total = 0;
  if (auto inf = now.lag_buckets.find(std::numeric_limits<double>::infinity());
      inf != now.lag_buckets.end()) {
    total =
        inf->second - (then.lag_buckets.contains(inf->first) ? then.lag_buckets.at(inf->first) : 0);
  }
  if (total <= 0) {
    return 0;
  }
  for (const auto& [le, count] : now.lag_buckets) {
    const double before = then.lag_buckets.contains(le) ? then.lag_buckets.at(le) : 0;
    if (count - before >= q * total) {
      return le;
    }
  }
  return std::numeric_limits<double>::infinity();
}

int openFds(pid_t pid) {
  std::error_code ec;
  int n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    n++;
  }
  return n;
}

int threadCount(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("Threads:")) {
      return std::stoi(line.substr(8));
    }
  }
  return 0;
}

double slope(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = std::min(x.size(), y.size());
  if (n < 2) {
    return 0;
  }
  double mx = 0;
  double my = 0;
  for (size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double num = 0;
  double den = 0;
  for (size_t i = 0; i < n; ++i) {
    num += (x[i] - mx) * (y[i] - my);
    den += (x[i] - mx) * (x[i] - mx);
  }
  return den == 0 ? 0 : num / den;
}

}  // namespace ninevolt::bench
