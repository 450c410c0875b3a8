#pragma once

#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace ninevolt::bench {

// What the soak reads from one member's GET /metrics each sample: its runs, skipped due
// times and schedule lag histogram (cumulative counts; the soak takes differences).
struct EngineCounters {
  double runs = 0;
  double skipped = 0;
  std::map<double, double> lag_buckets;  // le -> cumulative count (+Inf as infinity)
};
EngineCounters parseEngineCounters(std::string_view metrics_text);

// Runs in (then, now] whose lag exceeded `late` seconds (bucket edges: the smallest edge
// >= late counts as on time), and the p-quantile of their lag (an upper bucket edge).
double lateRuns(const EngineCounters& then, const EngineCounters& now, double late);
double lagQuantile(const EngineCounters& then, const EngineCounters& now, double q);

// Open file descriptors and threads of a process (/proc).
int openFds(pid_t pid);
int threadCount(pid_t pid);

// Least-squares slope of y over x (units of y per unit of x); 0 for fewer than 2 points.
double slope(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace ninevolt::bench
