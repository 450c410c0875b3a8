#pragma once

#include <array>
#include <string_view>

#include "metrics/metrics.h"
#include "metrics/text.h"

namespace ninevolt::etcd {

// Numbers of every etcd call this process makes through a Client from Client::create()
// (a member's main client and its health probe's): latency and errors per operation.
// Process-wide, like the clients' shared gRPC machinery; updated by the calling thread
// (relaxed atomics), read by /metrics.
class ClientMetrics {
 public:
  // The unary operations, as they label the series.
  static constexpr std::array<std::string_view, 10> kOperations{
      "range",   "list",        "put",          "delete",    "txn",
      "compact", "lease_grant", "lease_revoke", "lease_ttl", "status"};

  // op as the client names it in messages ("lease grant"); unknown names count as "other"
  // would, but every op the client sends is in kOperations.
  void record(std::string_view op, double seconds, bool ok);

  // ninevolt_etcd_request_duration_seconds{operation} (histogram) and
  // ninevolt_etcd_request_errors_total{operation}.
  void render(metrics::Writer& out) const;

 private:
  static size_t indexOf(std::string_view op);

  struct PerOp {
    metrics::Histogram latency{metrics::kLatencyBuckets};
    metrics::Counter errors;
  };
  std::array<PerOp, kOperations.size()> ops_;
};

ClientMetrics& clientMetrics();

}  // namespace ninevolt::etcd
