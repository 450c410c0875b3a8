#include "store/incident_store.h"

#include <set>

#include <spdlog/spdlog.h>

#include "common/printable.h"
#include "store/untrusted.h"

namespace ninevolt::store {

StoredIncident IncidentStore::decode(const std::string& check, const etcd::KeyValue& kv) const {
  StoredIncident out;
  out.mod_revision = kv.mod_revision;
  auto inc = decodeIncident(kv.value);
  if (!inc) {
    store_->rejections().reject(kv, "incident: " + inc.error().message + " (treated as absent)",
                                check);
    return out;
  }
  out.incident = std::move(*inc);
  return out;
}

Result<StoredIncident> IncidentStore::load(const std::string& check) {
  auto r = store_->client_->range(store_->keys().incident(check));
  if (!r) {
    return tl::unexpected(r.error());
  }
  if (r->kvs.empty()) {
    return StoredIncident{};
  }
  return decode(check, r->kvs[0]);
}

Result<std::map<std::string, StoredIncident>> IncidentStore::loadMany(
    const std::vector<std::string>& checks) {
  constexpr size_t kOneByOne = 16;
  std::map<std::string, StoredIncident> out;
  if (checks.size() <= kOneByOne) {
    for (const auto& c : checks) {
      auto one = load(c);
      if (!one) {
        return tl::unexpected(one.error());
      }
      out[c] = std::move(*one);
    }
    return out;
  }
  const std::string prefix = store_->keys().incidentPrefix();
  auto r = store_->client_->listPrefix(prefix);
  if (!r) {
    return tl::unexpected(r.error());
  }
  std::set<std::string> wanted(checks.begin(), checks.end());
  for (const auto& c : checks) {
    out[c] = StoredIncident{};
  }
  for (const auto& kv : r->kvs) {
    auto name = Keys::nameUnder(prefix, kv.key);
    if (name && wanted.contains(*name)) {
      out[*name] = decode(*name, kv);
    }
  }
  return out;
}

Result<int64_t> IncidentStore::save(const std::string& check,
                                    const std::optional<Incident>& incident, int64_t expected) {
  const std::string key = store_->keys().incident(check);
  std::vector<etcd::Compare> guard{
      expected == 0 ? etcd::Compare::createRevision(key, etcd::Compare::kEqual, 0)
                    : etcd::Compare::modRevision(key, etcd::Compare::kEqual, expected)};
  std::vector<etcd::TxnOp> ops{incident
                                   ? etcd::TxnOp::put(key, common::dumpJson(incident->toJson()))
                                   : etcd::TxnOp::del(key)};
  auto r = store_->client_->txn(guard, ops);
  if (!r) {
    return tl::unexpected(r.error());
  }
  if (!r->succeeded) {
    return fail(Errc::kConflict, "incident of '" + check + "' changed meanwhile");
  }
  return incident ? r->revision : 0;
}

}  // namespace ninevolt::store
