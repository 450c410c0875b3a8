#include "store/store.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/json_fields.h"
#include "common/printable.h"
#include "common/yaml_json.h"

namespace ninevolt::store {

const char* configKindName(ConfigKind kind) {
  switch (kind) {
    case ConfigKind::kMonitor:
      return "monitor";
    case ConfigKind::kAlerter:
      return "alerter";
    case ConfigKind::kMaintenance:
      return "maintenance";
  }
  return "monitor";
}

std::map<std::string, StoredConfig>& ConfigSnapshot::of(ConfigKind kind) {
  return kind == ConfigKind::kMonitor   ? monitors
         : kind == ConfigKind::kAlerter ? alerters
                                        : maintenance;
}

const std::map<std::string, StoredConfig>& ConfigSnapshot::of(ConfigKind kind) const {
  return const_cast<ConfigSnapshot*>(this)->of(kind);
}

nlohmann::json MemberInfo::toJson() const {
  nlohmann::json j{{"id", id},           {"hostname", hostname}, {"listen", listen},
                   {"tags", tags},       {"location", location}, {"version", version},
                   {"started", started}, {"checks", checks}};
  if (leaving) {
    j["leaving"] = true;
  }
  if (degraded) {
    j["degraded"] = true;
  }
  return j;
}

Result<MemberInfo> MemberInfo::fromJson(const nlohmann::json& j) {
  if (!j.is_object()) {
    return fail(Errc::kInvalidArgument,
                fmt::format("expected a JSON object, got {}", describeType(j)));
  }
  const auto* id = common::findField(j, "id");
  if (id == nullptr || !id->is_string()) {
    return fail(Errc::kInvalidArgument, "member record without an id");
  }
  MemberInfo m;
  m.id = id->get<std::string>();
  std::string problem;
  auto text = [&](const char* field, std::string& out) {
    if (const auto* v = common::findField(j, field); v != nullptr) {
      if (v->is_string()) {
        out = v->get<std::string>();
      } else if (problem.empty()) {
        problem = fmt::format("{}: expected a string, got {}", field, describeType(*v));
      }
    }
  };
  text("hostname", m.hostname);
  text("listen", m.listen);
  text("version", m.version);
  text("started", m.started);
  text("location", m.location);
  m.leaving = common::boolField(j, "leaving", false);
  m.degraded = common::boolField(j, "degraded", false);
  if (problem.empty() && !m.location.empty() && !nameProblem(m.location).empty()) {
    problem = "location: " + nameProblem(m.location);
  }
  if (const auto* tags = common::findField(j, "tags"); tags != nullptr) {
    if (!tags->is_array()) {
      return fail(Errc::kInvalidArgument, "tags: expected a list of strings");
    }
    for (const auto& t : *tags) {
      if (!t.is_string()) {
        return fail(Errc::kInvalidArgument, "tags: expected a list of strings");
      }
      m.tags.push_back(t.get<std::string>());
    }
  }
  if (const auto* checks = common::findField(j, "checks"); checks != nullptr) {
    if (!checks->is_number_integer()) {
      return fail(Errc::kInvalidArgument, "checks: expected an integer");
    }
    m.checks = common::intField(j, "checks", 0);
  }
  if (!problem.empty()) {
    return fail(Errc::kInvalidArgument, problem);
  }
  return m;
}

Result<MemberInfo> decodeMember(std::string_view members_prefix, const etcd::KeyValue& kv) {
  auto name = nameFromKey(members_prefix, kv.key);
  if (!name) {
    return tl::unexpected(name.error());
  }
  auto j = decodeObject(kv.value);
  if (!j) {
    return tl::unexpected(j.error());
  }
  auto m = MemberInfo::fromJson(*j);
  if (!m) {
    return m;
  }
  if (m->id != *name) {
    return fail(Errc::kInvalidArgument, fmt::format("the record's id '{}' is not the key's '{}'",
                                                    common::printable(m->id), *name));
  }
  if (kv.lease == 0) {
    return fail(Errc::kInvalidArgument,
                "not on a lease: not a live member (members keep their record on their lease)");
  }
  return m;
}

namespace {

StoredConfig toStored(const std::string& name, const etcd::KeyValue& kv) {
  StoredConfig c;
  c.name = name;
  c.text = kv.value;
  c.mod_revision = kv.mod_revision;
  if (auto parsed = decodeJson(kv.value)) {
    c.value = std::move(*parsed);
  } else {
    c.error = parsed.error().message;
  }
  return c;
}

// The config's name from its key; a key whose name is not valid is reported and skipped.
std::optional<std::string> configName(Rejections& rejections, ConfigKind kind,
                                      std::string_view prefix, const etcd::KeyValue& kv) {
  auto name = nameFromKey(prefix, kv.key);
  if (!name) {
    rejections.reject(kv, fmt::format("{} {}", configKindName(kind), name.error().message));
    return std::nullopt;
  }
  return std::move(*name);
}

}  // namespace

Store::Store(std::shared_ptr<etcd::Client> client, std::string_view prefix)
    : client_(std::move(client)), keys_(prefix) {}

std::string Store::prefixFor(ConfigKind kind) const {
  switch (kind) {
    case ConfigKind::kMonitor:
      return keys_.monitorPrefix();
    case ConfigKind::kAlerter:
      return keys_.alerterPrefix();
    case ConfigKind::kMaintenance:
      return keys_.maintenancePrefix();
  }
  return keys_.monitorPrefix();
}

std::string Store::keyFor(ConfigKind kind, const std::string& name) const {
  return prefixFor(kind) + name;
}

Result<ConfigSnapshot> Store::loadConfigs() {
  // One txn with a get per kind: every listing at the same revision.
  constexpr ConfigKind kKinds[] = {ConfigKind::kMonitor, ConfigKind::kAlerter,
                                   ConfigKind::kMaintenance};
  std::vector<etcd::TxnOp> gets;
  for (auto kind : kKinds) {
    gets.push_back(etcd::TxnOp::get(prefixFor(kind), true));
  }
  auto res = client_->txn({}, gets);
  if (!res) {
    return tl::unexpected(res.error());
  }
  if (res->responses.size() != gets.size()) {
    return fail(Errc::kInternal, "etcd txn returned an unexpected number of responses");
  }
  ConfigSnapshot snap;
  snap.revision = res->revision;
  for (size_t k = 0; k < gets.size(); ++k) {
    const std::string prefix = prefixFor(kKinds[k]);
    for (const auto& kv : res->responses[k].kvs) {
      if (auto name = configName(*rejections_, kKinds[k], prefix, kv)) {
        snap.of(kKinds[k]).emplace(*name, toStored(*name, kv));
      }
    }
  }
  return snap;
}

Result<std::pair<std::map<std::string, StoredConfig>, int64_t>> Store::listConfigs(
    ConfigKind kind) {
  const std::string prefix = prefixFor(kind);
  auto res = client_->listPrefix(prefix);
  if (!res) {
    return tl::unexpected(res.error());
  }
  std::map<std::string, StoredConfig> out;
  for (const auto& kv : res->kvs) {
    if (auto name = configName(*rejections_, kind, prefix, kv)) {
      out.emplace(*name, toStored(*name, kv));
    }
  }
  return std::pair{std::move(out), res->revision};
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
  std::string prefix = prefixFor(kind);
  etcd::Watcher::Options o;
  o.key = prefix;
  o.prefix = true;
  o.start_revision = from_revision;
  o.on_update = [kind, prefix, rejections = rejections_,
                 cb = std::move(on_update)](const etcd::WatchUpdate& u) {
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
          if (auto name = configName(*rejections, kind, prefix, kv)) {
            out.snapshot.emplace(*name, toStored(*name, kv));
          }
        }
        break;
      case etcd::WatchUpdate::kEvents:
        for (const auto& ev : u.events) {
          // A bad key's delete is not news (it was skipped when written).
          auto name = ev.type == etcd::WatchEvent::kPut
                          ? configName(*rejections, kind, prefix, ev.kv)
                          : Keys::nameUnder(prefix, ev.kv.key);
          if (!name || !nameProblem(*name).empty()) {
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
  auto res =
      client_->put(keys_.member(member.id), common::dumpJson(member.toJson()), {.lease = lease});
  if (!res) {
    return tl::unexpected(res.error());
  }
  return res->revision;
}

Result<int64_t> Store::putMemberDigest(const MemberDigest& digest, int64_t lease) {
  auto res = client_->put(keys_.memberSummary(digest.member), common::dumpJson(digest.toJson()),
                          {.lease = lease});
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
    auto m = decodeMember(keys_.membersPrefix(), kv);
    if (!m) {
      rejections_->reject(kv, "member record: " + m.error().message);
      continue;
    }
    out.push_back(std::move(*m));
  }
  return out;
}

Result<nlohmann::json> Store::ensureClusterConfig(const nlohmann::json& defaults,
                                                  int64_t* revision) {
  const std::string key = keys_.clusterConfig();
  auto res =
      client_->txn({etcd::Compare::createRevision(key, etcd::Compare::kEqual, 0)},
                   {etcd::TxnOp::put(key, common::dumpJson(defaults))}, {etcd::TxnOp::get(key)});
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
  auto parsed = decodeJson(res->responses[0].kvs[0].value);
  if (!parsed) {
    return fail(Errc::kInvalidArgument, fmt::format("{}: {}", key, parsed.error().message));
  }
  return *parsed;
}

}  // namespace ninevolt::store
