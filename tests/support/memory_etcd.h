#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "etcd/client.h"

namespace ninevolt::testing {

// An in-memory etcd::Client for unit tests and fuzz targets: the real Store, API handlers
// and decoders run against it without a server. Keys, revisions, ranges (prefix, [key, end),
// limit, descending, count/keys only), txn compares and leases behave as etcd's do for what
// 9volt asks; history is not kept (a range at an old revision reads the latest values),
// nothing expires and there are no watches (etcd::Watcher needs a real server). Integration
// tests use a real etcd (DESIGN.md); this is for pure code that reads or writes through a
// Client. Thread-safe (one mutex).
class MemoryEtcd : public etcd::Client {
 public:
  MemoryEtcd() : etcd::Client(etcd::ClientOptions{.endpoints = {"memory"}}) {}

  Result<etcd::RangeResult> range(const std::string& key,
                                  const etcd::RangeOptions& options = {}) override;
  Result<etcd::RangeResult> listPrefix(const std::string& prefix, int64_t page_size) override;
  Result<etcd::PutResult> put(const std::string& key, const std::string& value,
                              const etcd::PutOptions& options = {}) override;
  Result<etcd::DeleteResult> del(const std::string& key, bool prefix = false) override;
  Result<etcd::TxnResult> txn(const std::vector<etcd::Compare>& compares,
                              const std::vector<etcd::TxnOp>& success,
                              const std::vector<etcd::TxnOp>& failure = {}) override;
  Result<int64_t> grantLease(std::chrono::seconds ttl) override;
  Result<void> revokeLease(int64_t id) override;
  Result<etcd::LeaseInfo> leaseTimeToLive(int64_t id) override;
  Result<etcd::StatusInfo> status() override;

  // Drops every key (the revision keeps counting, as etcd's does).
  void clear();
  int64_t revision() const;

 private:
  etcd::RangeResult rangeLocked(const std::string& key, const etcd::RangeOptions& options) const;
  void putLocked(const std::string& key, const std::string& value, int64_t lease, int64_t rev);
  int64_t deleteLocked(const std::string& key, bool prefix, const std::string& range_end);
  bool holds(const etcd::Compare& c) const;

  mutable std::mutex mu_;
  std::map<std::string, etcd::KeyValue> kvs_;
  std::map<int64_t, int64_t> leases_;  // id -> granted ttl
  int64_t revision_ = 1;
  int64_t next_lease_ = 0x1000;
};

}  // namespace ninevolt::testing
