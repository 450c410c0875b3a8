#include "store/storm_store.h"

#include "common/printable.h"
#include "store/untrusted.h"

namespace ninevolt::store {

StoredStorm StormStore::decode(const std::string& alerter, const etcd::KeyValue& kv) const {
  StoredStorm out;
  out.mod_revision = kv.mod_revision;
  auto record = decodeStormRecord(kv.value);
  if (!record) {
    // Overwritten by the next write (at this revision): a storm's counts start afresh.
    store_->rejections().reject(kv, "storm record of '" + alerter + "': " + record.error().message
                                        + " (treated as absent)");
    return out;
  }
  out.record = std::move(*record);
  return out;
}

Result<StoredStorm> StormStore::load(const std::string& alerter) {
  auto r = store_->client_->range(store_->keys().storm(alerter));
  if (!r) {
    return tl::unexpected(r.error());
  }
  if (r->kvs.empty()) {
    return StoredStorm{};
  }
  return decode(alerter, r->kvs[0]);
}

Result<std::map<std::string, StoredStorm>> StormStore::loadAll() {
  const std::string prefix = store_->keys().stormPrefix();
  auto r = store_->client_->listPrefix(prefix);
  if (!r) {
    return tl::unexpected(r.error());
  }
  std::map<std::string, StoredStorm> out;
  for (const auto& kv : r->kvs) {
    auto name = nameFromKey(prefix, kv.key);
    if (!name) {
      store_->rejections().reject(kv, "storm: " + name.error().message);
      continue;
    }
    out[*name] = decode(*name, kv);
  }
  return out;
}

Result<void> StormStore::save(const std::string& alerter, const std::optional<StormRecord>& record,
                              int64_t expected, const std::optional<GuardedWrite>& also) {
  GuardedWrite w = guardedWrite(
      store_->keys().storm(alerter),
      record ? std::optional(common::dumpJson(record->toJson())) : std::nullopt, expected);
  std::vector<etcd::Compare> guard{w.guard};
  std::vector<etcd::TxnOp> ops{w.op};
  if (also) {
    guard.push_back(also->guard);
    ops.push_back(also->op);
  }
  auto r = store_->client_->txn(guard, ops);
  if (!r) {
    return tl::unexpected(r.error());
  }
  if (!r->succeeded) {
    return fail(Errc::kConflict, "storm record of '" + alerter + "' changed meanwhile");
  }
  return {};
}

}  // namespace ninevolt::store
