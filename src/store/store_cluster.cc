// Store: leases, members, the cluster read and assignment shards.
#include "common/printable.h"
#include "store/store.h"

namespace ninevolt::store {

Result<etcd::StatusInfo> Store::status() {
  return client_->status();
}

std::shared_ptr<Store> Store::withCallTimeout(std::chrono::milliseconds call_timeout) const {
  etcd::ClientOptions options = client_->options();
  options.call_timeout = std::min(options.call_timeout, call_timeout);
  auto client = etcd::Client::create(options);
  if (!client) {
    return nullptr;
  }
  auto out = std::make_shared<Store>(*client, keys_.root());
  out->rejections_ = rejections_;
  return out;
}

std::unique_ptr<etcd::Watcher> Store::watch(std::string key, bool prefix, int64_t from_revision,
                                            std::function<void(const etcd::WatchUpdate&)> cb) {
  etcd::Watcher::Options o;
  o.key = std::move(key);
  o.prefix = prefix;
  o.start_revision = from_revision;
  o.on_update = std::move(cb);
  return std::make_unique<etcd::Watcher>(client_, std::move(o));
}

Result<int64_t> Store::grantLease(std::chrono::seconds ttl) {
  return client_->grantLease(ttl);
}

Result<void> Store::revokeLease(int64_t lease) {
  return client_->revokeLease(lease);
}

Result<etcd::LeaseInfo> Store::leaseInfo(int64_t lease) {
  return client_->leaseTimeToLive(lease);
}

std::unique_ptr<etcd::LeaseKeeper> Store::keepLease(int64_t lease, std::chrono::seconds ttl,
                                                    std::function<void(const Error&)> on_lost) {
  etcd::LeaseKeeper::Options o;
  o.lease_id = lease;
  o.ttl = ttl;
  o.on_lost = std::move(on_lost);
  return std::make_unique<etcd::LeaseKeeper>(client_, std::move(o));
}

Result<std::set<std::string>> Store::liveMemberIds() {
  auto res = client_->range(keys_.membersPrefix(), {.prefix = true, .keys_only = true});
  if (!res) {
    return tl::unexpected(res.error());
  }
  std::set<std::string> out;
  for (const auto& kv : res->kvs) {
    if (auto id = Keys::nameUnder(keys_.membersPrefix(), kv.key)) {
      out.insert(std::move(*id));
    }
  }
  return out;
}

Result<std::optional<int64_t>> Store::memberLease(const std::string& id) {
  auto res = client_->range(keys_.member(id));
  if (!res) {
    return tl::unexpected(res.error());
  }
  if (res->kvs.empty()) {
    return std::optional<int64_t>();
  }
  return std::optional<int64_t>(res->kvs[0].lease);
}

std::unique_ptr<etcd::Watcher> Store::watchMembers(
    int64_t from_revision, std::function<void(const etcd::WatchUpdate&)> cb) {
  return watch(keys_.membersPrefix(), true, from_revision, std::move(cb));
}

std::unique_ptr<etcd::Watcher> Store::watchClusterConfig(
    int64_t from_revision, std::function<void(const etcd::WatchUpdate&)> cb) {
  return watch(keys_.clusterConfig(), false, from_revision, std::move(cb));
}

Result<Store::LocationRead> Store::readLocations() {
  auto res = client_->txn({}, {etcd::TxnOp::get(keys_.membersPrefix(), true),
                               etcd::TxnOp::get(keys_.locationStatePrefix(), true)});
  if (!res) {
    return tl::unexpected(res.error());
  }
  if (res->responses.size() != 2) {
    return fail(Errc::kInternal, "etcd: short txn answer reading the locations");
  }
  return LocationRead{.members = std::move(res->responses[0].kvs),
                      .states = std::move(res->responses[1].kvs),
                      .revision = res->revision};
}

Result<std::vector<std::vector<etcd::KeyValue>>> Store::readReplicaStates(
    const std::vector<std::string>& checks) {
  constexpr size_t kPerTxn = 100;  // etcd allows 128 operations in one
  std::vector<std::vector<etcd::KeyValue>> out;
  out.reserve(checks.size());
  for (size_t i = 0; i < checks.size(); i += kPerTxn) {
    std::vector<etcd::TxnOp> ops;
    for (size_t k = i; k < std::min(checks.size(), i + kPerTxn); ++k) {
      ops.push_back(etcd::TxnOp::get(keys_.locationStates(checks[k]), /*prefix=*/true));
    }
    auto res = client_->txn({}, ops);
    if (!res) {
      return tl::unexpected(res.error());
    }
    if (res->responses.size() != ops.size()) {
      return fail(Errc::kInternal, "etcd: short txn answer reading replica states");
    }
    for (auto& r : res->responses) {
      out.push_back(std::move(r.kvs));
    }
  }
  return out;
}

Result<void> Store::askConfirmation(const std::string& to, const ConfirmRequest& request,
                                    int64_t lease) {
  auto res = client_->put(keys_.confirmRequests(to) + request.id,
                          common::dumpJson(request.toJson()), {.lease = lease});
  if (!res) {
    return tl::unexpected(res.error());
  }
  return {};
}

Result<void> Store::answerConfirmation(const ConfirmReply& reply, const std::string& to,
                                       int64_t lease) {
  auto res = client_->put(keys_.confirmAnswers(to) + reply.id, common::dumpJson(reply.toJson()),
                          {.lease = lease});
  if (!res) {
    return tl::unexpected(res.error());
  }
  return {};
}

Result<void> Store::forgetConfirmation(const std::string& to, const std::string& from,
                                       const std::string& id) {
  auto res = client_->txn({}, {etcd::TxnOp::del(keys_.confirmRequests(to) + id),
                               etcd::TxnOp::del(keys_.confirmAnswers(from) + id)});
  if (!res) {
    return tl::unexpected(res.error());
  }
  return {};
}

std::unique_ptr<etcd::Watcher> Store::watchConfirmRequests(
    const std::string& me, std::function<void(const etcd::WatchUpdate&)> cb) {
  return watch(keys_.confirmRequests(me), true, 0, std::move(cb));
}

std::unique_ptr<etcd::Watcher> Store::watchConfirmAnswers(
    const std::string& me, std::function<void(const etcd::WatchUpdate&)> cb) {
  return watch(keys_.confirmAnswers(me), true, 0, std::move(cb));
}

std::unique_ptr<etcd::Watcher> Store::watchLocationStates(
    int64_t from_revision, std::function<void(const etcd::WatchUpdate&)> cb) {
  return watch(keys_.locationStatePrefix(), true, from_revision, std::move(cb));
}

Result<ClusterRead> Store::readCluster() {
  auto res = client_->txn(
      {}, {etcd::TxnOp::get(keys_.membersPrefix(), true), etcd::TxnOp::get(keys_.director()),
           etcd::TxnOp::get(keys_.allAssignmentsPrefix(), true)});
  if (!res) {
    return tl::unexpected(res.error());
  }
  if (res->responses.size() != 3) {
    return fail(Errc::kInternal, "etcd: short txn answer reading the cluster");
  }
  ClusterRead out;
  out.members = std::move(res->responses[0].kvs);
  if (!res->responses[1].kvs.empty()) {
    out.director = std::move(res->responses[1].kvs[0]);
  }
  out.shards = std::move(res->responses[2].kvs);
  out.revision = res->revision;
  return out;
}

Result<etcd::RangeResult> Store::readAssignments(const std::string& member) {
  return client_->range(keys_.assignmentsPrefix(member), {.prefix = true});
}

std::unique_ptr<etcd::Watcher> Store::watchAssignments(
    const std::string& member, int64_t from_revision,
    std::function<void(const etcd::WatchUpdate&)> cb) {
  return watch(keys_.assignmentsPrefix(member), true, from_revision, std::move(cb));
}

std::unique_ptr<etcd::Watcher> Store::watchAllAssignments(
    int64_t from_revision, std::function<void(const etcd::WatchUpdate&)> cb) {
  return watch(keys_.allAssignmentsPrefix(), true, from_revision, std::move(cb));
}

}  // namespace ninevolt::store
