// Store: silences (/9volt/silence/<id>, store/silence.h).
#include <fmt/format.h>

#include "store/store.h"

namespace ninevolt::store {
namespace {

// The silence of a key and value; nullopt (reported) when either is not one.
std::optional<Silence> silenceOf(Rejections& rejections, const std::string& prefix,
                                 const etcd::KeyValue& kv) {
  auto id = Keys::nameUnder(prefix, kv.key);
  if (!id || !validSilenceId(*id)) {
    rejections.reject(kv, "silence key: not a silence id (16 lowercase hex digits)");
    return std::nullopt;
  }
  auto s = decodeSilence(kv.value);
  if (!s) {
    rejections.reject(kv, "silence: " + s.error().message);
    return std::nullopt;
  }
  if (s->id != *id) {
    rejections.reject(kv, fmt::format("silence: its id '{}' is not the key's", s->id));
    return std::nullopt;
  }
  return std::move(*s);
}

}  // namespace

Result<bool> Store::createSilence(const Silence& silence, common::SystemTime now) {
  if (auto p = silence.problems(); !p.empty()) {
    return fail(Errc::kInvalidArgument, p.front().toString());
  }
  // On a lease that ends a day after the silence: etcd drops it then, whoever is running.
  const auto keep =
      std::chrono::duration_cast<std::chrono::seconds>(silence.ends + Silence::kKeptAfterEnd - now);
  auto lease = client_->grantLease(std::max<std::chrono::seconds>(keep, std::chrono::seconds(60)));
  if (!lease) {
    return tl::unexpected(lease.error());
  }
  const std::string key = keys_.silence(silence.id);
  auto res = client_->txn({etcd::Compare::createRevision(key, etcd::Compare::kEqual, 0)},
                          {etcd::TxnOp::put(key, silenceText(silence), *lease)});
  if (!res || !res->succeeded) {
    (void)client_->revokeLease(*lease);  // nothing on it
  }
  if (!res) {
    return tl::unexpected(res.error());
  }
  return res->succeeded;
}

Result<int64_t> Store::countSilences() {
  auto res = client_->range(keys_.silencePrefix(), {.prefix = true, .count_only = true});
  if (!res) {
    return tl::unexpected(res.error());
  }
  return res->count;
}

Result<std::optional<Silence>> Store::getSilence(const std::string& id) {
  auto res = client_->range(keys_.silence(id));
  if (!res) {
    return tl::unexpected(res.error());
  }
  if (res->kvs.empty()) {
    return std::optional<Silence>();
  }
  return silenceOf(*rejections_, keys_.silencePrefix(), res->kvs[0]);
}

Result<bool> Store::deleteSilence(const std::string& id) {
  const std::string key = keys_.silence(id);
  auto res = client_->range(key);
  if (!res) {
    return tl::unexpected(res.error());
  }
  if (res->kvs.empty()) {
    return false;
  }
  const auto& kv = res->kvs[0];
  // Revoking its lease deletes it too, and leaves no lease behind for up to a year.
  if (kv.lease != 0) {
    if (auto revoked = client_->revokeLease(kv.lease); revoked) {
      return true;
    }
  }
  auto del = client_->txn({etcd::Compare::modRevision(key, etcd::Compare::kEqual, kv.mod_revision)},
                          {etcd::TxnOp::del(key)});
  if (!del) {
    return tl::unexpected(del.error());
  }
  return true;  // deleted, or replaced meanwhile (ids are unique: deleted and made again)
}

Result<std::pair<std::map<std::string, Silence>, int64_t>> Store::listSilences() {
  const std::string prefix = keys_.silencePrefix();
  auto res = client_->listPrefix(prefix);
  if (!res) {
    return tl::unexpected(res.error());
  }
  std::map<std::string, Silence> out;
  for (const auto& kv : res->kvs) {
    if (auto s = silenceOf(*rejections_, prefix, kv)) {
      out.emplace(s->id, std::move(*s));
    }
  }
  return std::make_pair(std::move(out), res->revision);
}

std::unique_ptr<etcd::Watcher> Store::watchSilences(
    int64_t from_revision, std::function<void(const SilenceWatchUpdate&)> on_update) {
  const std::string prefix = keys_.silencePrefix();
  return watch(
      prefix, true, from_revision,
      [prefix, rejections = rejections_, cb = std::move(on_update)](const etcd::WatchUpdate& u) {
        SilenceWatchUpdate out;
        out.revision = u.revision;
        switch (u.kind) {
          case etcd::WatchUpdate::kDisconnected:
          case etcd::WatchUpdate::kReconnected:
            return;  // the watch resumes by itself, without gaps
          case etcd::WatchUpdate::kResync:
            out.resync = true;
            for (const auto& kv : u.snapshot) {
              if (auto s = silenceOf(*rejections, prefix, kv)) {
                out.snapshot.emplace(s->id, std::move(*s));
              }
            }
            break;
          case etcd::WatchUpdate::kEvents:
            for (const auto& ev : u.events) {
              auto id = Keys::nameUnder(prefix, ev.kv.key);
              if (!id) {
                continue;
              }
              if (ev.type == etcd::WatchEvent::kDelete) {
                out.changes.emplace_back(*id, std::nullopt);
              } else {
                // A value that is not a silence removes what the id held.
                out.changes.emplace_back(*id, silenceOf(*rejections, prefix, ev.kv));
              }
            }
            break;
        }
        cb(out);
      });
}

}  // namespace ninevolt::store
