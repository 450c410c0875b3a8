// Store: ack doorbells (/9volt/ack/<check>) and the cluster's shared secrets.
#include "store/store.h"

namespace ninevolt::store {

Result<std::string> Store::clusterSecret(std::string_view name, const std::string& candidate) {
  const std::string key = keys_.secret(name);
  auto made = client_->txn({etcd::Compare::createRevision(key, etcd::Compare::kEqual, 0)},
                           {etcd::TxnOp::put(key, candidate)});
  if (!made) {
    return tl::unexpected(made.error());
  }
  if (made->succeeded) {
    return candidate;
  }
  auto read = client_->range(key);
  if (!read) {
    return tl::unexpected(read.error());
  }
  if (read->kvs.empty() || read->kvs[0].value.size() < 16) {
    // Deleted meanwhile, or too short to be ours: never sign with a guessable key.
    return fail(Errc::kUnavailable,
                "the cluster secret " + key + " is missing or too short; delete it to make anew");
  }
  return read->kvs[0].value;
}

std::unique_ptr<etcd::Watcher> Store::watchAckDoorbells(
    int64_t from_revision, std::function<void(const std::vector<std::string>&)> on_checks) {
  const std::string prefix = keys_.ackPrefix();
  return watch(prefix, true, from_revision,
               [prefix, cb = std::move(on_checks)](const etcd::WatchUpdate& u) {
                 std::vector<std::string> checks;
                 if (u.kind == etcd::WatchUpdate::kResync) {
                   for (const auto& kv : u.snapshot) {
                     if (auto name = Keys::nameUnder(prefix, kv.key)) {
                       checks.push_back(std::move(*name));
                     }
                   }
                 } else if (u.kind == etcd::WatchUpdate::kEvents) {
                   for (const auto& ev : u.events) {
                     auto name = Keys::nameUnder(prefix, ev.kv.key);
                     if (name && ev.type != etcd::WatchEvent::kDelete) {
                       checks.push_back(std::move(*name));
                     }
                   }
                 }
                 if (!checks.empty()) {
                   cb(checks);
                 }
               });
}

Result<void> Store::deleteAckDoorbell(const std::string& check) {
  const std::string key = keys_.ack(check);
  auto read = client_->range(key);
  if (!read) {
    return tl::unexpected(read.error());
  }
  if (read->kvs.empty()) {
    return {};
  }
  // Revoking its lease deletes it and leaves no lease behind for a day.
  if (read->kvs[0].lease != 0 && client_->revokeLease(read->kvs[0].lease)) {
    return {};
  }
  auto r = client_->txn({}, {etcd::TxnOp::del(key)});
  if (!r) {
    return tl::unexpected(r.error());
  }
  return {};
}

}  // namespace ninevolt::store
