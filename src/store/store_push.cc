// Store: push records (/9volt/push/<check>, store/push.h).
#include <fmt/format.h>

#include "store/store.h"

namespace ninevolt::store {
namespace {

// The check a push key is about, or nullopt (a bad key: reported when it is a put).
std::optional<std::string> pushName(Rejections& rejections, const std::string& prefix,
                                    const etcd::KeyValue& kv) {
  auto name = nameFromKey(prefix, kv.key);
  if (!name) {
    rejections.reject(kv, "push key: " + name.error().message);
    return std::nullopt;
  }
  return *name;
}

std::optional<PushRecord> decoded(Rejections& rejections, const std::string& name,
                                  const etcd::KeyValue& kv) {
  auto r = decodePush(kv.value);
  if (!r) {
    rejections.reject(kv, "push record: " + r.error().message, name);
    return std::nullopt;
  }
  return std::move(*r);
}

}  // namespace

Result<bool> Store::putPush(const std::string& check, const PushRecord& record) {
  // Only while the monitor exists: a push that lands just after its monitor was deleted
  // must not leave a record behind for a monitor made again under the name.
  auto res =
      client_->txn({etcd::Compare::version(keys_.monitor(check), etcd::Compare::kGreater, 0)},
                   {etcd::TxnOp::put(keys_.push(check), pushText(record))});
  if (!res) {
    return tl::unexpected(res.error());
  }
  return res->succeeded;
}

Result<std::optional<PushRecord>> Store::getPush(const std::string& check) {
  auto res = client_->range(keys_.push(check));
  if (!res) {
    return tl::unexpected(res.error());
  }
  if (res->kvs.empty()) {
    return std::optional<PushRecord>();
  }
  return decoded(*rejections_, check, res->kvs[0]);
}

Result<PushRecord> Store::armPush(const std::string& check, common::SystemTime now) {
  const std::string key = keys_.push(check);
  // Twice at most: a push or another owner's arming may land between the read and the txn,
  // and then the record they wrote is the answer.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto res = client_->range(key);
    if (!res) {
      return tl::unexpected(res.error());
    }
    int64_t seen = 0;
    if (!res->kvs.empty()) {
      if (auto r = decoded(*rejections_, check, res->kvs[0])) {
        return std::move(*r);
      }
      seen = res->kvs[0].mod_revision;  // not a record: replaced
    }
    PushRecord armed;
    armed.armed = now;
    auto txn = client_->txn(
        {seen == 0 ? etcd::Compare::createRevision(key, etcd::Compare::kEqual, 0)
                   : etcd::Compare::modRevision(key, etcd::Compare::kEqual, seen),
         etcd::Compare::version(keys_.monitor(check), etcd::Compare::kGreater, 0)},
        {etcd::TxnOp::put(key, pushText(armed))}, {etcd::TxnOp::get(keys_.monitor(check))});
    if (!txn) {
      return tl::unexpected(txn.error());
    }
    if (txn->succeeded) {
      return armed;
    }
    if (txn->responses.empty() || txn->responses[0].kvs.empty()) {
      // Deleted meanwhile: nothing to start a deadline for (and no record left behind).
      return fail(Errc::kNotFound, fmt::format("monitor '{}' is gone", check));
    }
  }
  return fail(Errc::kConflict,
              fmt::format("the push record of '{}' kept changing while it was armed", check));
}

Result<std::pair<std::map<std::string, PushRecord>, int64_t>> Store::loadPushes() {
  const std::string prefix = keys_.pushPrefix();
  auto res = client_->listPrefix(prefix);
  if (!res) {
    return tl::unexpected(res.error());
  }
  std::map<std::string, PushRecord> out;
  for (const auto& kv : res->kvs) {
    if (auto name = pushName(*rejections_, prefix, kv)) {
      if (auto r = decoded(*rejections_, *name, kv)) {
        out.emplace(std::move(*name), std::move(*r));
      }
    }
  }
  return std::make_pair(std::move(out), res->revision);
}

std::unique_ptr<etcd::Watcher> Store::watchPushes(
    int64_t from_revision, std::function<void(const PushWatchUpdate&)> on_update) {
  const std::string prefix = keys_.pushPrefix();
  etcd::Watcher::Options o;
  o.key = prefix;
  o.prefix = true;
  o.start_revision = from_revision;
  o.on_update = [prefix, rejections = rejections_,
                 cb = std::move(on_update)](const etcd::WatchUpdate& u) {
    PushWatchUpdate out;
    out.revision = u.revision;
    switch (u.kind) {
      case etcd::WatchUpdate::kDisconnected:
        out.disconnected = true;
        break;
      case etcd::WatchUpdate::kReconnected:
        out.reconnected = true;
        break;
      case etcd::WatchUpdate::kResync:
        out.resync = true;
        for (const auto& kv : u.snapshot) {
          if (auto name = pushName(*rejections, prefix, kv)) {
            if (auto r = decoded(*rejections, *name, kv)) {
              out.snapshot.emplace(std::move(*name), std::move(*r));
            }
          }
        }
        break;
      case etcd::WatchUpdate::kEvents:
        for (const auto& ev : u.events) {
          if (ev.type == etcd::WatchEvent::kDelete) {
            auto name = Keys::nameUnder(prefix, ev.kv.key);
            if (name && nameProblem(*name).empty()) {
              out.changes.emplace_back(std::move(*name), std::nullopt);
            }
          } else if (auto name = pushName(*rejections, prefix, ev.kv)) {
            out.changes.emplace_back(*name, decoded(*rejections, *name, ev.kv));
          }
        }
        if (out.changes.empty()) {
          return;
        }
        break;
    }
    cb(out);
  };
  return std::make_unique<etcd::Watcher>(client_, std::move(o));
}

}  // namespace ninevolt::store
