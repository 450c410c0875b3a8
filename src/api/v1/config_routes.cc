// /api/v1/monitor and /api/v1/alerter: list, read, create/replace (one or a map), delete,
// enable/disable. Every write goes through config::parseMonitor/parseAlerter (the same
// validation as `9volt cfg`), is refused whole on any problem, and is written with
// Store::applyConfigChanges guarded by the revisions it was validated against, in one txn,
// so nothing is ever half-written and a concurrent change is a 409, not a lost update.

#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "api/v1/monitor_secrets.h"
#include "api/v1/params.h"
#include "api/v1/routes.h"
#include "common/json_fields.h"
#include "common/printable.h"
#include "common/utf8.h"
#include "common/yaml_json.h"
#include "config/alerter_options.h"
#include "config/dependencies.h"
#include "config/maintenance.h"
#include "config/spec.h"
#include "etcd/limits.h"

namespace ninevolt::api::v1 {
namespace {

using store::ConfigKind;

const char* kindName(ConfigKind kind) {
  return store::configKindName(kind);
}

// An alerter as the API shows it: secrets redacted. A stored value that does not validate
// (written by hand) has every option value redacted: we cannot tell which are secret.
nlohmann::json shownAlerter(const std::string& name, const nlohmann::json& value) {
  config::Problems ignored;
  if (auto spec = config::parseAlerter(name, value, ignored)) {
    return config::redactedAlerter(*spec);
  }
  nlohmann::json out = value.is_object() ? value : nlohmann::json::object();
  if (out.contains("options") && out["options"].is_object()) {
    for (auto& [k, v] : out["options"].items()) {
      v = std::string(config::kRedacted);
    }
  }
  return out;
}

nlohmann::json shown(ConfigKind kind, const store::StoredConfig& c) {
  if (!c.error.empty()) {
    return nlohmann::json{{"invalid", "the stored value is " + common::printable(c.error)}};
  }
  switch (kind) {
    case ConfigKind::kAlerter:
      return shownAlerter(c.name, c.value);
    case ConfigKind::kMaintenance:
      return c.value;  // nothing secret in a window
    case ConfigKind::kMonitor:
      break;
  }
  return redactedMonitor(c.value);
}

// The name comes from the client (the path or the body's keys): shown escaped and cut.
std::string objectName(ConfigKind kind, const std::string& name) {
  return fmt::format("{} '{}'", kindName(kind), common::printable(name));
}

Response noSuch(ConfigKind kind, const std::string& name) {
  return Response::error(404,
                         fmt::format("no {} named '{}'", kindName(kind), common::printable(name)));
}

// Validates one object as `9volt cfg` does, plus the API's own rule on exec monitors.
void validate(const Context& ctx, ConfigKind kind, const std::string& name,
              const nlohmann::json& value, const std::set<std::string>& alerter_names,
              config::Problems& problems) {
  if (auto bad = config::nameProblem(name); !bad.empty()) {
    problems.push_back({"", objectName(kind, name), "", bad});
    return;
  }
  if (kind == ConfigKind::kAlerter) {
    config::parseAlerter(name, value, problems);
    return;
  }
  if (kind == ConfigKind::kMaintenance) {
    config::parseMaintenance(name, value, problems);
    return;
  }
  config::parseMonitor(name, value, problems);
  bool is_exec = value.is_object() && value.contains("type") && value["type"] == "exec";
  if (is_exec && !ctx.allow_exec) {
    problems.push_back({"", objectName(kind, name), "type",
                        "exec monitors cannot be created or changed through the API (the "
                        "server runs without --api-allow-exec); use `9volt cfg`"});
  }
  // Alerter references, checked as `9volt cfg` does (also for monitors with other problems,
  // so the whole list comes back at once).
  for (auto& p : config::checkAlerterReferences(name, value, alerter_names)) {
    problems.push_back(std::move(p));
  }
}

// Parses the body as JSON; a problem when it is not (or is not an object).
std::optional<nlohmann::json> jsonBody(const Request& request, config::Problems& problems) {
  if (request.body.empty()) {
    problems.push_back({"", "body", "", "a JSON object is required"});
    return std::nullopt;
  }
  // First thing: parseJson refuses nesting deeper than limits::kMaxJsonDepth, duplicate keys
  // and numbers out of range, and never throws; everything below may recurse on the value.
  auto parsed = common::parseJson(request.body);
  if (!parsed) {
    problems.push_back({"", "body", "", "not valid JSON: " + parsed.error().message});
    return std::nullopt;
  }
  if (!parsed->is_object()) {
    problems.push_back({"", "body", "", "expected a JSON object"});
    return std::nullopt;
  }
  return std::move(*parsed);
}

// depends-on across monitors (config/dependencies.h): the stored monitors with `objects`
// (being written) in place of theirs.
void checkDependencies(ConfigKind kind, const store::ConfigSnapshot& snap,
                       const std::map<std::string, nlohmann::json>& objects,
                       config::Problems& problems) {
  if (kind != ConfigKind::kMonitor) {
    return;
  }
  std::map<std::string, std::vector<std::string>> graph;
  for (const auto& [name, stored] : snap.monitors) {
    graph[name] = config::dependsOnOf(stored.value);
  }
  std::set<std::string> checked;
  for (const auto& [name, value] : objects) {
    graph[name] = config::dependsOnOf(value);
    checked.insert(name);
  }
  for (auto& p : config::checkDependencies(graph, checked)) {
    problems.push_back(std::move(p));
  }
}

// The monitors that list `name` under depends-on.
std::vector<std::string> childrenOf(const store::ConfigSnapshot& snap, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& [child, stored] : snap.monitors) {
    const auto parents = config::dependsOnOf(stored.value);
    if (std::find(parents.begin(), parents.end(), name) != parents.end()) {
      out.push_back(child);
    }
  }
  return out;
}

std::set<std::string> alerterNames(const store::ConfigSnapshot& snap) {
  std::set<std::string> out;
  for (const auto& [name, _] : snap.alerters) {
    out.insert(name);
  }
  return out;
}

const std::map<std::string, store::StoredConfig>& storedOf(const store::ConfigSnapshot& snap,
                                                           ConfigKind kind) {
  return snap.of(kind);
}

// A monitor's secret fields before validation (monitor_secrets.h): "<redacted>" written
// back keeps the stored value; a generated one left out is kept or made (added to `made`).
void withSecrets(ConfigKind kind, const std::string& name, nlohmann::json& value,
                 const store::ConfigSnapshot& snap, nlohmann::json& made,
                 config::Problems& problems) {
  if (kind != ConfigKind::kMonitor) {
    return;
  }
  auto it = snap.monitors.find(name);
  nlohmann::json made_here = nlohmann::json::object();
  fillSecrets(name, value, it == snap.monitors.end() ? nullptr : &it->second.value, made_here,
              problems);
  if (!made_here.empty()) {
    made[name] = std::move(made_here);
  }
}

// Writes puts of name -> value, each guarded by the snapshot's revision of that key, in one
// txn. Objects equal to what is stored are skipped. Fills created/updated/unchanged.
// `made`: secrets made for this request (fillSecrets), name -> {field: secret}: shown once,
// in the answer, and only when it was written.
Response writeAll(const Context& ctx, ConfigKind kind, const store::ConfigSnapshot& snap,
                  const std::map<std::string, nlohmann::json>& objects, int created_status,
                  const nlohmann::json& made = nlohmann::json::object()) {
  const auto& stored = storedOf(snap, kind);
  std::vector<store::ConfigChange> changes;
  auto created = nlohmann::json::array();
  auto updated = nlohmann::json::array();
  auto unchanged = nlohmann::json::array();
  for (const auto& [name, value] : objects) {
    auto it = stored.find(name);
    if (it != stored.end() && it->second.value == value) {
      unchanged.push_back(name);
      continue;
    }
    (it == stored.end() ? created : updated).push_back(name);
    changes.push_back({store::ConfigChange::kPut, kind, name, common::dumpJson(value),
                       it == stored.end() ? 0 : it->second.mod_revision});
  }
  if (changes.size() > store::Store::kMaxTxnOps) {
    return Response::error(
        400, fmt::format("{} changes in one request; at most {} fit in one etcd transaction "
                         "(send them in parts, or use `9volt cfg`)",
                         changes.size(), store::Store::kMaxTxnOps));
  }
  // By bytes too: applyConfigChanges splits what does not fit in one request into several
  // transactions, and a conflict in a later one would leave the earlier ones written. A body
  // just under the 1 MiB cap can come out over the same amount as keys and values.
  size_t bytes = 0;
  for (const auto& c : changes) {
    bytes += ctx.store->configPutBytes(kind, c.name, c.value);
  }
  if (bytes > store::Store::kMaxTxnBytes) {
    return Response::error(
        413, fmt::format("the changes come to {} bytes in etcd; at most {} fit in one etcd "
                         "transaction (send them in parts, or use `9volt cfg`)",
                         bytes, store::Store::kMaxTxnBytes));
  }
  if (!changes.empty()) {
    auto applied = ctx.store->applyConfigChanges(changes);
    if (!applied) {
      if (applied.error().code == Errc::kConflict) {
        return Response::error(409, fmt::format("a {} changed in etcd while this request was "
                                                "checked; nothing was written, retry",
                                                kindName(kind)));
      }
      return storeError(applied.error());
    }
    spdlog::info("api: {} {}(s) written: created [{}], updated [{}]", changes.size(),
                 kindName(kind), common::dumpJson(created), common::dumpJson(updated));
  }
  nlohmann::json answer{{"message", fmt::format("{} created, {} updated, {} unchanged",
                                                created.size(), updated.size(), unchanged.size())},
                        {"created", created},
                        {"updated", updated},
                        {"unchanged", unchanged}};
  if (!made.empty()) {
    answer["secrets"] = made;  // the only time they are shown: GET redacts them
  }
  return ok(created.empty() ? 200 : created_status, std::move(answer));
}

Response listAll(const Context& ctx, ConfigKind kind) {
  auto snap = ctx.store->loadConfigs();
  if (!snap) {
    return storeError(snap.error());
  }
  auto out = nlohmann::json::object();
  for (const auto& [name, c] : storedOf(*snap, kind)) {
    out[name] = shown(kind, c);
  }
  return Response::json(200, common::dumpJson(out));
}

Response postMap(const Context& ctx, ConfigKind kind, const Request& request) {
  config::Problems problems;
  auto body = jsonBody(request, problems);
  if (!body) {
    return Response::problems(400, problems);
  }
  if (body->empty()) {
    return Response::error(400, fmt::format("the body has no {}s (a map of name -> {})",
                                            kindName(kind), kindName(kind)));
  }
  auto snap = ctx.store->loadConfigs();
  if (!snap) {
    return storeError(snap.error());
  }
  auto alerters = alerterNames(*snap);
  std::map<std::string, nlohmann::json> objects;
  auto made = nlohmann::json::object();
  for (const auto& [name, given] : body->items()) {
    nlohmann::json value = given;
    withSecrets(kind, name, value, *snap, made, problems);
    validate(ctx, kind, name, value, alerters, problems);
    objects[name] = std::move(value);
  }
  checkDependencies(kind, *snap, objects, problems);
  if (!problems.empty()) {
    return Response::problems(400, problems);
  }
  return writeAll(ctx, kind, *snap, objects, 201, made);
}

Response getOne(const Context& ctx, ConfigKind kind, const std::string& name) {
  if (!config::validName(name)) {
    return noSuch(kind, name);  // no such object can exist (a key with that name is skipped)
  }
  auto c = ctx.store->getConfig(kind, name);
  if (!c) {
    return storeError(c.error());
  }
  if (!*c) {
    return noSuch(kind, name);
  }
  return Response::json(200, common::dumpJson(shown(kind, **c)));
}

Response putOne(const Context& ctx, ConfigKind kind, const std::string& name,
                const Request& request) {
  config::Problems problems;
  auto body = jsonBody(request, problems);
  if (!body) {
    return Response::problems(400, problems);
  }
  auto snap = ctx.store->loadConfigs();
  if (!snap) {
    return storeError(snap.error());
  }
  auto made = nlohmann::json::object();
  withSecrets(kind, name, *body, *snap, made, problems);
  validate(ctx, kind, name, *body, alerterNames(*snap), problems);
  checkDependencies(kind, *snap, {{name, *body}}, problems);
  if (!problems.empty()) {
    return Response::problems(400, problems);
  }
  return writeAll(ctx, kind, *snap, {{name, *body}}, 201, made);
}

Response deleteOne(const Context& ctx, ConfigKind kind, const std::string& name) {
  if (!config::validName(name)) {
    // Not an object any reader uses (skipped and reported as such), but a key that may
    // exist: deleting it here is how an operator cleans it up without etcdctl.
    auto deleted = ctx.store->deleteConfig(kind, name);
    if (!deleted) {
      return storeError(deleted.error());
    }
    if (!*deleted) {
      return noSuch(kind, name);
    }
    spdlog::info("api: {} key with the invalid name '{}' deleted", kindName(kind),
                 common::printable(name));
    return ok(200, {{"message", fmt::format("{} key '{}' (not a valid name) deleted",
                                            kindName(kind), common::printable(name))}});
  }
  auto snap = ctx.store->loadConfigs();
  if (!snap) {
    return storeError(snap.error());
  }
  const auto& stored = storedOf(*snap, kind);
  auto it = stored.find(name);
  if (it == stored.end()) {
    return noSuch(kind, name);
  }
  if (kind == ConfigKind::kAlerter) {
    // As `9volt cfg`: no monitor may be left naming a deleted alerter.
    std::vector<std::string> users;
    for (const auto& [mname, m] : snap->monitors) {
      for (const char* field : {"warning-alerter", "critical-alerter"}) {
        if (m.value.is_object() && m.value.contains(field) && m.value[field].is_array()) {
          for (const auto& a : m.value[field]) {
            if (a.is_string() && a.get<std::string>() == name) {
              users.push_back(mname);
            }
          }
        }
      }
    }
    if (!users.empty()) {
      users.erase(std::unique(users.begin(), users.end()), users.end());
      return Response::error(409,
                             fmt::format("alerter '{}' is used by monitor(s) {}; change them first",
                                         common::printable(name), common::dumpJson(users)));
    }
  }
  if (kind == ConfigKind::kMonitor) {
    if (auto children = childrenOf(*snap, name); !children.empty()) {
      return Response::error(
          409, fmt::format("monitor '{}' is in the depends-on of monitor(s) {}; change them first",
                           common::printable(name), common::dumpJson(children)));
    }
  }
  auto applied = ctx.store->applyConfigChanges(
      {{store::ConfigChange::kDelete, kind, name, "", it->second.mod_revision}});
  if (!applied) {
    if (applied.error().code == Errc::kConflict) {
      return Response::error(409, fmt::format("{} '{}' changed while being deleted; retry",
                                              kindName(kind), common::printable(name)));
    }
    return storeError(applied.error());
  }
  spdlog::info("api: {} '{}' deleted", kindName(kind), common::printable(name));
  return ok(200,
            {{"message", fmt::format("{} '{}' deleted", kindName(kind), common::printable(name))}});
}

// Sets a monitor's `disable` field (validated again, guarded by its revision).
Response setDisabled(const Context& ctx, const std::string& name, bool disable) {
  if (!config::validName(name)) {
    return noSuch(ConfigKind::kMonitor, name);
  }
  auto c = ctx.store->getConfig(ConfigKind::kMonitor, name);
  if (!c) {
    return storeError(c.error());
  }
  if (!*c) {
    return noSuch(ConfigKind::kMonitor, name);
  }
  const auto& stored = **c;
  if (!stored.value.is_object()) {
    return Response::error(409, fmt::format("monitor '{}' in etcd is not a JSON object; fix it "
                                            "with `9volt cfg` first",
                                            common::printable(name)));
  }
  if (config::monitorDisabled(stored.value) == disable) {
    return ok(200, {{"message", fmt::format("monitor '{}' is already {}", common::printable(name),
                                            disable ? "disabled" : "enabled")}});
  }
  nlohmann::json value = stored.value;
  value["disable"] = disable;
  value.erase("enabled");  // the original's field would contradict the new value
  config::Problems problems;
  config::parseMonitor(name, value, problems);  // references are as they were
  if (!problems.empty()) {
    return Response::problems(409, problems);
  }
  auto applied =
      ctx.store->applyConfigChanges({{store::ConfigChange::kPut, ConfigKind::kMonitor, name,
                                      common::dumpJson(value), stored.mod_revision}});
  if (!applied) {
    if (applied.error().code == Errc::kConflict) {
      return Response::error(
          409, fmt::format("monitor '{}' changed meanwhile; retry", common::printable(name)));
    }
    return storeError(applied.error());
  }
  spdlog::info("api: monitor '{}' {}", common::printable(name), disable ? "disabled" : "enabled");
  return ok(200, {{"message", fmt::format("monitor '{}' {}", common::printable(name),
                                          disable ? "disabled" : "enabled")}});
}

void addKind(Router& router, const Context& ctx, ConfigKind kind) {
  const std::string base = std::string("/api/v1/") + kindName(kind);
  const RouteOptions blocking{.blocking = true};
  router.get(
      base, [ctx, kind](const Request&) { return listAll(ctx, kind); }, blocking);
  router.post(
      base, [ctx, kind](const Request& r) { return postMap(ctx, kind, r); }, blocking);
  router.get(
      base + "/{name}",
      [ctx, kind](const Request& r) {
        if (kind == ConfigKind::kMonitor && r.queryValue("disable")) {
          // The original's GET with a side effect: a write, so it needs write access.
          config::Problems problems;
          auto disable = boolParam(r, "disable", problems);
          if (!disable) {
            return Response::problems(400, problems);
          }
          if (ctx.authorize) {
            if (auto denied = ctx.authorize(r, Access::kWrite)) {
              return *denied;
            }
          }
          return setDisabled(ctx, r.param("name"), *disable);
        }
        return getOne(ctx, kind, r.param("name"));
      },
      blocking);
  router.put(
      base + "/{name}",
      [ctx, kind](const Request& r) { return putOne(ctx, kind, r.param("name"), r); }, blocking);
  router.del(
      base + "/{name}",
      [ctx, kind](const Request& r) { return deleteOne(ctx, kind, r.param("name")); }, blocking);
  if (kind == ConfigKind::kMonitor) {
    router.post(
        base + "/{name}/disable",
        [ctx](const Request& r) { return setDisabled(ctx, r.param("name"), true); }, blocking);
    router.post(
        base + "/{name}/enable",
        [ctx](const Request& r) { return setDisabled(ctx, r.param("name"), false); }, blocking);
  }
}

}  // namespace

void addConfigRoutes(Router& router, const Context& context) {
  addKind(router, context, ConfigKind::kMonitor);
  addKind(router, context, ConfigKind::kAlerter);
  addKind(router, context, ConfigKind::kMaintenance);
}

}  // namespace ninevolt::api::v1
