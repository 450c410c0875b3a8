#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "etcd/client.h"

namespace ninevolt::etcd {

// What one etcd request may carry with etcd's defaults: --max-txn-ops 128 and
// --max-request-bytes 1.5 MiB. 9volt stays below both with a margin for the request's own
// framing, so that no write it builds is ever refused for its size (a director's assignment
// txn above the limit once cost a member its lease).
inline constexpr size_t kTxnOpsPerRequest = 120;
inline constexpr size_t kBytesPerRequest = 1 << 20;

// The bytes an op adds to a request (key, range end and value, plus a little for the fields).
inline size_t requestBytes(const TxnOp& op) {
  return op.key.size() + op.range_end.size() + op.value.size() + 32;
}

// Splits ops, in order, into the fewest consecutive batches within both limits. An op larger
// than max_bytes on its own is a batch of its own (etcd will refuse it; the caller reports).
inline std::vector<std::span<const TxnOp>> splitIntoRequests(std::span<const TxnOp> ops,
                                                             size_t max_ops = kTxnOpsPerRequest,
                                                             size_t max_bytes = kBytesPerRequest) {
  std::vector<std::span<const TxnOp>> out;
  size_t start = 0;
  size_t bytes = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    size_t b = requestBytes(ops[i]);
    if (i > start && (i - start >= max_ops || bytes + b > max_bytes)) {
      out.push_back(ops.subspan(start, i - start));
      start = i;
      bytes = 0;
    }
    bytes += b;
  }
  if (start < ops.size()) {
    out.push_back(ops.subspan(start));
  }
  return out;
}

}  // namespace ninevolt::etcd
