#pragma once

#include <optional>
#include <string>

#include "etcd/client.h"

namespace ninevolt::store {

// One compare-and-swap write of a key, to put in a txn (alone, or beside another record's):
// the key is still at `expected` (its mod revision; 0 = still absent), then `value` is put
// (nullopt: the key is deleted).
struct GuardedWrite {
  etcd::Compare guard;
  etcd::TxnOp op;
};

inline GuardedWrite guardedWrite(const std::string& key, const std::optional<std::string>& value,
                                 int64_t expected) {
  return {expected == 0 ? etcd::Compare::createRevision(key, etcd::Compare::kEqual, 0)
                        : etcd::Compare::modRevision(key, etcd::Compare::kEqual, expected),
          value ? etcd::TxnOp::put(key, *value) : etcd::TxnOp::del(key)};
}

}  // namespace ninevolt::store
