#include "store/store.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/yaml_json.h"

namespace ninevolt::store {

const char* configKindName(ConfigKind kind) {
  return kind == ConfigKind::kMonitor ? "monitor" : "alerter";
}

nlohmann::json MemberInfo::toJson() const {
  return {{"id", id},           {"hostname", hostname}, {"listen", listen}, {"tags", tags},
          {"version", version}, {"started", started},   {"checks", checks}};
}

Result<MemberInfo> MemberInfo::fromJson(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("id") || !j["id"].is_string()) {
    return fail(Errc::kInvalidArgument, "member record without an id");
  }
  MemberInfo m;
  m.id = j["id"].get<std::string>();
  m.hostname = j.value("hostname", "");
  m.listen = j.value("listen", "");
  if (j.contains("tags") && j["tags"].is_array()) {
    for (const auto& t : j["tags"]) {
      if (t.is_string()) {
        m.tags.push_back(t.get<std::string>());
      }
    }
  }
  m.version = j.value("version", "");
  m.started = j.value("started", "");
  m.checks = j.value("checks", int64_t{0});
  return m;
}

namespace {

StoredConfig toStored(const std::string& name, const etcd::KeyValue& kv) {
  StoredConfig c;
  c.name = name;
  c.text = kv.value;
  c.mod_revision = kv.mod_revision;
  if (auto parsed = common::parseJson(kv.value)) {
    c.value = std::move(*parsed);
  }
  return c;
}

}  // namespace

Store::Store(std::shared_ptr<etcd::Client> client, std::string_view prefix)
    : client_(std::move(client)), keys_(prefix) {}

std::string Store::keyFor(ConfigKind kind, const std::string& name) const {
  return kind == ConfigKind::kMonitor ? keys_.monitor(name) : keys_.alerter(name);
}

Result<ConfigSnapshot> Store::loadConfigs() {
  // One txn with two gets: both listings at the same revision.
  auto res = client_->txn({}, {etcd::TxnOp::get(keys_.monitorPrefix(), true),
                               etcd::TxnOp::get(keys_.alerterPrefix(), true)});
  if (!res) {
    return tl::unexpected(res.error());
  }
  ConfigSnapshot snap;
  snap.revision = res->revision;
  auto fill = [](const etcd::RangeResult& range, const std::string& prefix,
                 std::map<std::string, StoredConfig>& out) {
    for (const auto& kv : range.kvs) {
      auto name = Keys::nameUnder(prefix, kv.key);
      if (!name) {
        continue;  // something deeper under the prefix: not ours
      }
      out.emplace(*name, toStored(*name, kv));
    }
  };
  if (res->responses.size() != 2) {
    return fail(Errc::kInternal, "etcd txn returned an unexpected number of responses");
  }
  fill(res->responses[0], keys_.monitorPrefix(), snap.monitors);
  fill(res->responses[1], keys_.alerterPrefix(), snap.alerters);
  return snap;
}

Result<ApplyReport> Store::applyConfigChanges(const std::vector<ConfigChange>& changes,
                                              ApplyReport* partial) {
  // Safe order: what monitors point at exists before they do, and goes after they are gone.
  auto rank = [](const ConfigChange& c) {
    bool monitor = c.kind == ConfigKind::kMonitor;
    if (c.action == ConfigChange::kPut) {
      return monitor ? 1 : 0;
    }
    return monitor ? 2 : 3;
  };
  std::vector<ConfigChange> ordered(changes);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [&](const auto& a, const auto& b) { return rank(a) < rank(b); });

  std::vector<etcd::TxnOp> all_ops;
  all_ops.reserve(ordered.size());
  for (const auto& c : ordered) {
    std::string key = keyFor(c.kind, c.name);
    all_ops.push_back(c.action == ConfigChange::kPut ? etcd::TxnOp::put(key, c.value)
                                                     : etcd::TxnOp::del(key));
  }
  ApplyReport report;
  // As many changes as fit in one request (etcd refuses more than 128 operations or 1.5 MiB).
  for (auto batch : etcd::splitIntoRequests(all_ops, kMaxTxnOps, kMaxTxnBytes)) {
    const auto start = static_cast<size_t>(batch.data() - all_ops.data());
    const size_t end = start + batch.size();
    std::vector<etcd::Compare> compares;
    for (size_t i = start; i < end; ++i) {
      const auto& c = ordered[i];
      if (c.expected_mod_revision >= 0) {
        compares.push_back(etcd::Compare::modRevision(all_ops[i].key, etcd::Compare::kEqual,
                                                      c.expected_mod_revision));
      }
    }
    std::vector<etcd::TxnOp> ops(batch.begin(), batch.end());
    auto res = client_->txn(compares, ops);
    if (!res) {
      if (partial != nullptr) {
        *partial = report;
      }
      return tl::unexpected(res.error());
    }
    if (!res->succeeded) {
      if (partial != nullptr) {
        *partial = report;
      }
      return fail(Errc::kConflict,
                  fmt::format("configs in etcd changed while this change was being made "
                              "({} of {} changes applied before that); read again and retry",
                              report.applied, ordered.size()));
    }
    report.applied += end - start;
    report.transactions++;
    report.revision = res->revision;
  }
  if (partial != nullptr) {
    *partial = report;
  }
  return report;
}

Result<std::optional<StoredConfig>> Store::getConfig(ConfigKind kind, const std::string& name) {
  auto res = client_->range(keyFor(kind, name));
  if (!res) {
    return tl::unexpected(res.error());
  }
  if (res->kvs.empty()) {
    return std::optional<StoredConfig>{};
  }
  return std::optional<StoredConfig>{toStored(name, res->kvs[0])};
}

Result<int64_t> Store::putConfig(ConfigKind kind, const std::string& name,
                                 const std::string& json) {
  auto res = client_->put(keyFor(kind, name), json);
  if (!res) {
    return tl::unexpected(res.error());
  }
  return res->revision;
}

Result<bool> Store::deleteConfig(ConfigKind kind, const std::string& name) {
  auto res = client_->del(keyFor(kind, name));
  if (!res) {
    return tl::unexpected(res.error());
  }
  return res->deleted > 0;
}

std::unique_ptr<etcd::Watcher> Store::watchConfigs(
    ConfigKind kind, int64_t from_revision,
    std::function<void(const ConfigWatchUpdate&)> on_update) {
  std::string prefix = kind == ConfigKind::kMonitor ? keys_.monitorPrefix() : keys_.alerterPrefix();
  etcd::Watcher::Options o;
  o.key = prefix;
  o.prefix = true;
  o.start_revision = from_revision;
  o.on_update = [kind, prefix, cb = std::move(on_update)](const etcd::WatchUpdate& u) {
    ConfigWatchUpdate out;
    out.revision = u.revision;
    switch (u.kind) {
      case etcd::WatchUpdate::kDisconnected:
        out.disconnected = true;
        out.error = u.error.message;
        break;
      case etcd::WatchUpdate::kReconnected:
        out.reconnected = true;
        break;
      case etcd::WatchUpdate::kResync:
        out.resync = true;
        for (const auto& kv : u.snapshot) {
          if (auto name = Keys::nameUnder(prefix, kv.key)) {
            out.snapshot.emplace(*name, toStored(*name, kv));
          }
        }
        break;
      case etcd::WatchUpdate::kEvents:
        for (const auto& ev : u.events) {
          auto name = Keys::nameUnder(prefix, ev.kv.key);
          if (!name) {
            continue;
          }
          ConfigEvent e;
          e.kind = kind;
          e.type = ev.type == etcd::WatchEvent::kPut ? ConfigEvent::kPut : ConfigEvent::kDelete;
          e.config = toStored(*name, ev.kv);
          out.events.push_back(std::move(e));
        }
        if (out.events.empty()) {
          return;  // nothing of ours changed
        }
        break;
    }
    cb(out);
  };
  return std::make_unique<etcd::Watcher>(client_, std::move(o));
}

Result<int64_t> Store::putMember(const MemberInfo& member, int64_t lease) {
  auto res = client_->put(keys_.member(member.id), member.toJson().dump(), {.lease = lease});
  if (!res) {
    return tl::unexpected(res.error());
  }
  return res->revision;
}

Result<std::vector<MemberInfo>> Store::listMembers() {
  auto res = client_->range(keys_.membersPrefix(), {.prefix = true});
  if (!res) {
    return tl::unexpected(res.error());
  }
  std::vector<MemberInfo> out;
  for (const auto& kv : res->kvs) {
    auto j = common::parseJson(kv.value);
    if (!j) {
      continue;
    }
    auto m = MemberInfo::fromJson(*j);
    if (m) {
      out.push_back(std::move(*m));
    }
  }
  return out;
}

Result<nlohmann::json> Store::ensureClusterConfig(const nlohmann::json& defaults,
                                                  int64_t* revision) {
  const std::string key = keys_.clusterConfig();
  auto res = client_->txn({etcd::Compare::createRevision(key, etcd::Compare::kEqual, 0)},
                          {etcd::TxnOp::put(key, defaults.dump())}, {etcd::TxnOp::get(key)});
  if (!res) {
    return tl::unexpected(res.error());
  }
  if (revision != nullptr) {
    *revision = res->revision;
  }
  if (res->succeeded) {
    return defaults;
  }
  if (res->responses.empty() || res->responses[0].kvs.empty()) {
    return fail(Errc::kInternal, "cluster config vanished while being read");
  }
  auto parsed = common::parseJson(res->responses[0].kvs[0].value);
  if (!parsed) {
    return fail(Errc::kInvalidArgument,
                fmt::format("{}: not valid JSON: {}", key, parsed.error().message));
  }
  return *parsed;
}

}  // namespace ninevolt::store
