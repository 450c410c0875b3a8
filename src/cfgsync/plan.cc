#include "cfgsync/plan.h"

#include <set>

#include <fmt/format.h>

#include "common/strings.h"

namespace ninevolt::cfgsync {
namespace {

std::vector<std::string> changedFields(const nlohmann::json& before, const nlohmann::json& after) {
  std::vector<std::string> out;
  if (!before.is_object() || !after.is_object()) {
    out.emplace_back("(stored value is not a JSON object)");
    return out;
  }
  std::set<std::string> keys;
  for (const auto& [k, _] : before.items()) {
    keys.insert(k);
  }
  for (const auto& [k, _] : after.items()) {
    keys.insert(k);
  }
  for (const auto& k : keys) {
    bool in_before = before.contains(k);
    bool in_after = after.contains(k);
    if (in_before && in_after && before[k] == after[k]) {
      continue;
    }
    // Alerter options: name the option, not just "options".
    if (k == "options" && in_before && in_after && before[k].is_object() && after[k].is_object()) {
      for (const auto& sub : changedFields(before[k], after[k])) {
        out.push_back("options." + sub);
      }
      continue;
    }
    out.push_back(k);
  }
  return out;
}

void planKind(store::ConfigKind kind, const std::map<std::string, LoadedObject>& local,
              const std::map<std::string, store::StoredConfig>& stored, const PlanOptions& options,
              std::vector<PlanItem>& plan) {
  for (const auto& [name, obj] : local) {
    PlanItem item;
    item.kind = kind;
    item.name = name;
    item.value = obj.value.dump();
    auto it = stored.find(name);
    if (it == stored.end()) {
      item.action = PlanItem::kAdd;
    } else {
      item.mod_revision = it->second.mod_revision;
      if (it->second.value.is_null()) {
        item.action = PlanItem::kUpdate;
        item.changed_fields = {"(stored value is not valid JSON)"};
      } else if (it->second.value == obj.value) {
        item.action = options.replace ? PlanItem::kRewrite : PlanItem::kUnchanged;
      } else {
        item.action = PlanItem::kUpdate;
        item.changed_fields = changedFields(it->second.value, obj.value);
      }
    }
    plan.push_back(std::move(item));
  }
  if (!options.sync) {
    return;
  }
  for (const auto& [name, s] : stored) {
    if (local.contains(name)) {
      continue;
    }
    PlanItem item;
    item.action = PlanItem::kDelete;
    item.kind = kind;
    item.name = name;
    item.mod_revision = s.mod_revision;
    plan.push_back(std::move(item));
  }
}

}  // namespace

std::string PlanItem::describe() const {
  const char* what = store::configKindName(kind);
  switch (action) {
    case kAdd:
      return fmt::format("add       {} '{}'", what, name);
    case kUpdate:
      return fmt::format("update    {} '{}': {}", what, name, common::join(changed_fields, ", "));
    case kDelete:
      return fmt::format("delete    {} '{}'", what, name);
    case kUnchanged:
      return fmt::format("unchanged {} '{}'", what, name);
    case kRewrite:
      return fmt::format("rewrite   {} '{}' (unchanged, --replace)", what, name);
  }
  return {};
}

std::vector<PlanItem> makePlan(const LoadedSet& local, const store::ConfigSnapshot& stored,
                               const PlanOptions& options) {
  std::vector<PlanItem> plan;
  planKind(store::ConfigKind::kAlerter, local.alerters, stored.alerters, options, plan);
  planKind(store::ConfigKind::kMonitor, local.monitors, stored.monitors, options, plan);
  planKind(store::ConfigKind::kMaintenance, local.maintenance, stored.maintenance, options, plan);
  return plan;
}

std::vector<store::ConfigChange> changesOf(const std::vector<PlanItem>& plan) {
  std::vector<store::ConfigChange> changes;
  for (const auto& item : plan) {
    if (!item.writes()) {
      continue;
    }
    store::ConfigChange c;
    c.kind = item.kind;
    c.name = item.name;
    c.action =
        item.action == PlanItem::kDelete ? store::ConfigChange::kDelete : store::ConfigChange::kPut;
    c.value = item.value;
    c.expected_mod_revision = item.mod_revision;  // 0 for adds: must still be absent
    changes.push_back(std::move(c));
  }
  return changes;
}

}  // namespace ninevolt::cfgsync
