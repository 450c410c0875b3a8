#include "support/memory_etcd.h"

#include <algorithm>

namespace ninevolt::testing {
namespace {

// [begin, end) of a request the way etcd reads key/range_end: no end = the key alone;
// "\0" = every key >= key.
struct Span {
  std::string begin;
  std::string end;  // "" with single = true: the key alone; "\0": to the end
  bool single = false;
};

Span spanOf(const std::string& key, bool prefix, const std::string& range_end) {
  if (!range_end.empty()) {
    return {key, range_end, false};
  }
  if (prefix) {
    return {key, etcd::prefixRangeEnd(key), false};
  }
  return {key, "", true};
}

bool inSpan(const Span& s, const std::string& k) {
  if (s.single) {
    return k == s.begin;
  }
  if (k < s.begin) {
    return false;
  }
  return s.end == std::string(1, '\0') || k < s.end;
}

}  // namespace

etcd::RangeResult MemoryEtcd::rangeLocked(const std::string& key,
                                          const etcd::RangeOptions& options) const {
  etcd::RangeResult out;
  out.revision = revision_;
  const Span span = spanOf(key, options.prefix, options.range_end);
  std::vector<const etcd::KeyValue*> hits;
  for (auto it = kvs_.lower_bound(span.begin); it != kvs_.end() && inSpan(span, it->first); ++it) {
    hits.push_back(&it->second);
  }
  out.count = static_cast<int64_t>(hits.size());
  if (options.count_only) {
    return out;
  }
  if (options.descending) {
    std::reverse(hits.begin(), hits.end());
  }
  if (options.limit > 0 && hits.size() > static_cast<size_t>(options.limit)) {
    hits.resize(static_cast<size_t>(options.limit));
    out.more = true;
  }
  for (const auto* kv : hits) {
    out.kvs.push_back(*kv);
    if (options.keys_only) {
      out.kvs.back().value.clear();
    }
  }
  return out;
}

Result<etcd::RangeResult> MemoryEtcd::range(const std::string& key,
                                            const etcd::RangeOptions& options) {
  std::lock_guard lock(mu_);
  return rangeLocked(key, options);
}

Result<etcd::RangeResult> MemoryEtcd::listPrefix(const std::string& prefix, int64_t page_size) {
  std::lock_guard lock(mu_);
  return rangeLocked(prefix, {.prefix = true});
}

void MemoryEtcd::putLocked(const std::string& key, const std::string& value, int64_t lease,
                           int64_t rev) {
  auto& kv = kvs_[key];
  if (kv.key.empty()) {
    kv.key = key;
    kv.create_revision = rev;
    kv.version = 0;
  }
  kv.value = value;
  kv.mod_revision = rev;
  kv.version++;
  kv.lease = lease;
}

int64_t MemoryEtcd::deleteLocked(const std::string& key, bool prefix,
                                 const std::string& range_end) {
  const Span span = spanOf(key, prefix, range_end);
  int64_t deleted = 0;
  for (auto it = kvs_.lower_bound(span.begin); it != kvs_.end() && inSpan(span, it->first);) {
    it = kvs_.erase(it);
    ++deleted;
  }
  return deleted;
}

Result<etcd::PutResult> MemoryEtcd::put(const std::string& key, const std::string& value,
                                        const etcd::PutOptions& options) {
  std::lock_guard lock(mu_);
  etcd::PutResult out;
  if (options.prev_kv) {
    if (auto it = kvs_.find(key); it != kvs_.end()) {
      out.prev = it->second;
    }
  }
  putLocked(key, value, options.lease, ++revision_);
  out.revision = revision_;
  return out;
}

Result<etcd::DeleteResult> MemoryEtcd::del(const std::string& key, bool prefix) {
  std::lock_guard lock(mu_);
  etcd::DeleteResult out;
  out.deleted = deleteLocked(key, prefix, "");
  if (out.deleted > 0) {
    ++revision_;
  }
  out.revision = revision_;
  return out;
}

bool MemoryEtcd::holds(const etcd::Compare& c) const {
  auto it = kvs_.find(c.key);
  const etcd::KeyValue* kv = it == kvs_.end() ? nullptr : &it->second;
  if (c.target == etcd::Compare::kValue) {
    if (kv == nullptr) {
      return false;  // etcd: a value compare on a missing key fails
    }
    int r = kv->value.compare(c.value_text);
    switch (c.op) {
      case etcd::Compare::kEqual:
        return r == 0;
      case etcd::Compare::kGreater:
        return r > 0;
      case etcd::Compare::kLess:
        return r < 0;
      case etcd::Compare::kNotEqual:
        return r != 0;
    }
    return false;
  }
  int64_t have = 0;
  if (kv != nullptr) {
    switch (c.target) {
      case etcd::Compare::kVersion:
        have = kv->version;
        break;
      case etcd::Compare::kCreateRevision:
        have = kv->create_revision;
        break;
      case etcd::Compare::kModRevision:
        have = kv->mod_revision;
        break;
      case etcd::Compare::kLease:
        have = kv->lease;
        break;
      case etcd::Compare::kValue:
        break;
    }
  }
  switch (c.op) {
    case etcd::Compare::kEqual:
      return have == c.number;
    case etcd::Compare::kGreater:
      return have > c.number;
    case etcd::Compare::kLess:
      return have < c.number;
    case etcd::Compare::kNotEqual:
      return have != c.number;
  }
  return false;
}

Result<etcd::TxnResult> MemoryEtcd::txn(const std::vector<etcd::Compare>& compares,
                                        const std::vector<etcd::TxnOp>& success,
                                        const std::vector<etcd::TxnOp>& failure) {
  std::lock_guard lock(mu_);
  etcd::TxnResult out;
  out.succeeded = std::all_of(compares.begin(), compares.end(),
                              [this](const etcd::Compare& c) { return holds(c); });
  const auto& ops = out.succeeded ? success : failure;
  const bool writes =
      std::any_of(ops.begin(), ops.end(), [](const etcd::TxnOp& op) { return op.kind != op.kGet; });
  const int64_t rev = writes ? revision_ + 1 : revision_;
  for (const auto& op : ops) {
    switch (op.kind) {
      case etcd::TxnOp::kGet:
        out.responses.push_back(
            rangeLocked(op.key, {.prefix = op.prefix, .range_end = op.range_end}));
        break;
      case etcd::TxnOp::kPut:
        putLocked(op.key, op.value, op.lease, rev);
        out.responses.emplace_back();
        break;
      case etcd::TxnOp::kDelete:
        deleteLocked(op.key, op.prefix, op.range_end);
        out.responses.emplace_back();
        break;
    }
  }
  revision_ = rev;
  out.revision = revision_;
  for (auto& r : out.responses) {
    r.revision = revision_;
  }
  return out;
}

Result<int64_t> MemoryEtcd::grantLease(std::chrono::seconds ttl) {
  std::lock_guard lock(mu_);
  leases_[++next_lease_] = ttl.count();
  return next_lease_;
}

Result<void> MemoryEtcd::revokeLease(int64_t id) {
  std::lock_guard lock(mu_);
  if (leases_.erase(id) == 0) {
    return fail(Errc::kNotFound, "lease not found");
  }
  for (auto it = kvs_.begin(); it != kvs_.end();) {
    it = it->second.lease == id ? kvs_.erase(it) : std::next(it);
  }
  ++revision_;
  return {};
}

Result<etcd::LeaseInfo> MemoryEtcd::leaseTimeToLive(int64_t id) {
  std::lock_guard lock(mu_);
  auto it = leases_.find(id);
  if (it == leases_.end()) {
    return etcd::LeaseInfo{id, -1, 0};
  }
  return etcd::LeaseInfo{id, it->second, it->second};
}

Result<etcd::StatusInfo> MemoryEtcd::status() {
  std::lock_guard lock(mu_);
  return etcd::StatusInfo{.version = "memory", .revision = revision_};
}

void MemoryEtcd::clear() {
  std::lock_guard lock(mu_);
  if (!kvs_.empty()) {
    kvs_.clear();
    ++revision_;
  }
}

int64_t MemoryEtcd::revision() const {
  std::lock_guard lock(mu_);
  return revision_;
}

}  // namespace ninevolt::testing
