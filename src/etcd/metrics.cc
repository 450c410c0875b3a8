#include "etcd/metrics.h"

#include <algorithm>
#include <string>

namespace ninevolt::etcd {

size_t ClientMetrics::indexOf(std::string_view op) {
  for (size_t i = 0; i < kOperations.size(); ++i) {
    const auto name = kOperations[i];
    // The client says "lease grant"; the label says "lease_grant".
    if (name.size() == op.size()
        && std::equal(name.begin(), name.end(), op.begin(),
                      [](char a, char b) { return a == b || (a == '_' && b == ' '); })) {
      return i;
    }
  }
  return kOperations.size();
}

void ClientMetrics::record(std::string_view op, double seconds, bool ok) {
  const size_t i = indexOf(op);
  if (i == kOperations.size()) {
    return;
  }
  ops_[i].latency.observe(seconds);
  if (!ok) {
    ops_[i].errors.inc();
  }
}

void ClientMetrics::render(metrics::Writer& out) const {
  out.family("ninevolt_etcd_request_duration_seconds", metrics::Type::kHistogram,
             "Latency of etcd calls, failed ones included (a call that fails over or "
             "re-authenticates counts once, with its whole time).");
  for (size_t i = 0; i < kOperations.size(); ++i) {
    out.histogram("ninevolt_etcd_request_duration_seconds", {{"operation", kOperations[i]}},
                  ops_[i].latency.snapshot());
  }
  out.family("ninevolt_etcd_request_errors_total", metrics::Type::kCounter,
             "etcd calls that failed (unreachable, timed out, refused), by operation.");
  for (size_t i = 0; i < kOperations.size(); ++i) {
    out.sample("ninevolt_etcd_request_errors_total", {{"operation", kOperations[i]}},
               ops_[i].errors.value());
  }
}

ClientMetrics& clientMetrics() {
  static ClientMetrics metrics;
  return metrics;
}

}  // namespace ninevolt::etcd
