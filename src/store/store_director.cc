// Store: the director key, the director's fenced writes and the compaction record.
#include "store/store.h"

namespace ninevolt::store {
namespace {

std::vector<etcd::Compare> fenceCompares(const Keys& keys, const DirectorFence& fence) {
  const std::string key = keys.director();
  return {etcd::Compare::createRevision(key, etcd::Compare::kEqual, fence.create_revision),
          etcd::Compare::value(key, etcd::Compare::kEqual, fence.value)};
}

}  // namespace

Result<Store::Campaign> Store::campaignForDirector(const std::string& value, int64_t lease) {
  const std::string key = keys_.director();
  auto res = client_->txn({etcd::Compare::createRevision(key, etcd::Compare::kEqual, 0)},
                          {etcd::TxnOp::put(key, value, lease)}, {etcd::TxnOp::get(key)});
  if (!res) {
    return tl::unexpected(res.error());
  }
  Campaign out;
  out.won = res->succeeded;
  out.revision = res->revision;
  if (!res->succeeded && !res->responses.empty() && !res->responses[0].kvs.empty()) {
    out.holder = std::move(res->responses[0].kvs[0]);
  }
  return out;
}

Result<KeyRead> Store::readKey(const std::string& key) {
  auto res = client_->range(key);
  if (!res) {
    return tl::unexpected(res.error());
  }
  KeyRead out;
  out.revision = res->revision;
  if (!res->kvs.empty()) {
    out.kv = std::move(res->kvs[0]);
  }
  return out;
}

Result<KeyRead> Store::readDirectorKey() {
  return readKey(keys_.director());
}

std::unique_ptr<etcd::Watcher> Store::watchDirectorKey(
    int64_t from_revision, std::function<void(const etcd::WatchUpdate&)> cb) {
  return watch(keys_.director(), false, from_revision, std::move(cb));
}

Result<std::optional<int64_t>> Store::moveDirectorKey(const etcd::KeyValue& kv, int64_t lease) {
  const std::string key = keys_.director();
  auto res =
      client_->txn({etcd::Compare::createRevision(key, etcd::Compare::kEqual, kv.create_revision),
                    etcd::Compare::value(key, etcd::Compare::kEqual, kv.value)},
                   {etcd::TxnOp::put(key, kv.value, lease)});
  if (!res) {
    return tl::unexpected(res.error());
  }
  return res->succeeded ? std::optional<int64_t>(res->revision) : std::nullopt;
}

Result<std::optional<int64_t>> Store::deleteDirectorKeyAt(int64_t mod_revision) {
  const std::string key = keys_.director();
  auto res = client_->txn({etcd::Compare::modRevision(key, etcd::Compare::kEqual, mod_revision)},
                          {etcd::TxnOp::del(key)});
  if (!res) {
    return tl::unexpected(res.error());
  }
  return res->succeeded ? std::optional<int64_t>(res->revision) : std::nullopt;
}

Result<bool> Store::writeAsDirector(const DirectorFence& fence, const DirectorWrites& writes,
                                    const std::function<void()>& before_each) {
  const auto compares = fenceCompares(keys_, fence);
  // Batches within etcd's request limits, by count and by bytes: 120 shards of a member with
  // 760,000 checks were 15 MB, and etcd refused the txn. (kTxnOpsPerRequest leaves room for
  // the two compares below etcd's 128.)
  for (auto span : etcd::splitIntoRequests(writes.ops())) {
    std::vector<etcd::TxnOp> batch(span.begin(), span.end());
    if (before_each) {
      before_each();
    }
    auto res = client_->txn(compares, batch);
    if (!res) {
      return tl::unexpected(res.error());
    }
    if (!res->succeeded) {
      return false;
    }
  }
  return true;
}

Result<KeyRead> Store::readCompactionRecord() {
  return readKey(keys_.compaction());
}

Result<KeyRead> Store::readWatchdogRecord() {
  return readKey(keys_.watchdog());
}

Result<bool> Store::putWatchdogRecord(const DirectorFence& fence, const CompactionRecord& record,
                                      int64_t expected_mod_revision) {
  return putFencedRecord(keys_.watchdog(), fence, record, expected_mod_revision);
}

Result<bool> Store::putCompactionRecord(const DirectorFence& fence, const CompactionRecord& record,
                                        int64_t expected_mod_revision) {
  return putFencedRecord(keys_.compaction(), fence, record, expected_mod_revision);
}

Result<bool> Store::putFencedRecord(const std::string& key, const DirectorFence& fence,
                                    const CompactionRecord& record, int64_t expected_mod_revision) {
  auto compares = fenceCompares(keys_, fence);
  compares.push_back(
      expected_mod_revision == 0
          ? etcd::Compare::createRevision(key, etcd::Compare::kEqual, 0)
          : etcd::Compare::modRevision(key, etcd::Compare::kEqual, expected_mod_revision));
  auto res = client_->txn(compares, {etcd::TxnOp::put(key, compactionText(record))});
  if (!res) {
    return tl::unexpected(res.error());
  }
  return res->succeeded;
}

Result<void> Store::compact(int64_t revision) {
  return client_->compact(revision);
}

}  // namespace ninevolt::store
