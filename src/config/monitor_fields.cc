#include "config/monitor_fields.h"

#include <algorithm>

#include <fmt/format.h>

#include "config/escalation.h"

namespace ninevolt::config {
namespace detail {
namespace {

using M = MonitorSpec;
constexpr int64_t kIntMax = std::numeric_limits<int>::max();

// Defaults live in MonitorSpec's member initialisers, except the timeout, which depends on
// the type and the interval (monitor_rules.cc).
const std::vector<Field<M>>& fieldTable() {
  static const std::vector<Field<M>> fields{
      {"description", &M::description, "free text shown with the check and in alerts"},
      {"interval",
       &M::interval,
       "how often the check runs (Go duration: 10s, 1m)",
       {.required = true}},
      {"timeout", &M::timeout,
       "how long one run may take; default 3s (tcp 4s), at most the "
       "interval"},
      {"disable", &M::disable, "true = configured but not run"},
      // The original 9volt's configs carry `enabled` (it ignored the field); kept as !disable.
      {"enabled", &M::enabled, "the original 9volt's field: enabled: false = disable: true"},
      {"tags", &M::tags, "labels for filtering in the API and UI"},
      {"member-tag", &M::member_tag, "run only on members started with this tag"},
      {"warning-threshold",
       &M::warning_threshold,
       "failed runs in a row before a warning alert",
       {.min = 0, .max = kIntMax}},
      {"critical-threshold",
       &M::critical_threshold,
       "failed runs in a row before a critical alert",
       {.min = 0, .max = kIntMax}},
      {"warning-alerter", &M::warning_alerter, "alerters told of warnings"},
      {"critical-alerter", &M::critical_alerter, "alerters told of critical failures"},
      {"reminder-interval", &M::reminder_interval,
       "alert again this often while an incident stays open and unacknowledged (at least 10s; "
       "unset: the alerter's own)"},
      {"depends-on", &M::depends_on,
       "monitors this one is behind: while one of them is warning or critical, this one's "
       "alerts are held (at most 20; each must exist; no cycles)"},
      {"flap-detection", &M::flap_detection,
       "false = never treat the check as flapping (default true)"},
      {"flap-low",
       &M::flap_low,
       "percent of state changes over the last 21 runs below which flapping stops (default 25)",
       {.min = 1, .max = 100}},
      {"flap-high",
       &M::flap_high,
       "percent of state changes over the last 21 runs above which the check flaps: one "
       "notification then, none per change (default 50)",
       {.min = 0, .max = 100}},
      {"confirm", &M::confirm,
       "before paging CRITICAL, another member (another location if any) runs the check once; "
       "only if it fails there too is CRITICAL entered"},
      {"failing-locations",
       &M::failing_locations,
       "with locations: how many must be failing to raise the check (default: more than half)",
       {.min = 1, .max = static_cast<int64_t>(kMaxLocations)}},
      {"recovered-locations",
       &M::recovered_locations,
       "with locations: how many must be OK again to clear it (default: enough that fewer "
       "than failing-locations fail)",
       {.min = 1, .max = static_cast<int64_t>(kMaxLocations)}},
  };
  return fields;
}

std::vector<FieldInfo> makeInfos() {
  std::vector<FieldInfo> out{FieldInfo{.name = "type",
                                       .kind = FieldKind::kString,
                                       .required = true,
                                       .help = "the check type (GET /api/v1/types)"}};
  for (const auto& f : fieldTable()) {
    out.push_back(infoOf(f));
  }
  // Not a table field: "all" or a list (config/locations.h reads it).
  out.push_back(FieldInfo{.name = "locations",
                          .kind = FieldKind::kStringList,
                          .help = "run from these locations (members' --location), or all: "
                                  "one replica each, alerted by a quorum (docs/locations.md)"});
  // Not a table field: a list of objects (config/escalation.h reads it).
  out.push_back(FieldInfo{.name = "escalation",
                          .kind = FieldKind::kObjectList,
                          .help = "steps {after: 15m, alerters: [...]}: tell these alerters "
                                  "too once an unacknowledged incident is that old"});
  return out;
}

}  // namespace

std::span<const Field<MonitorSpec>> commonFieldTable() {
  return fieldTable();
}

const Field<MonitorSpec>* findCommonField(std::string_view name) {
  for (const auto& f : fieldTable()) {
    if (f.name == name) {
      return &f;
    }
  }
  return nullptr;
}

}  // namespace detail

std::span<const FieldInfo> commonMonitorFields() {
  static const std::vector<FieldInfo> infos = detail::makeInfos();
  return infos;
}

std::vector<std::string_view> monitorFields(const CheckTypeDef& type) {
  std::vector<std::string_view> out;
  for (const auto& f : commonMonitorFields()) {
    out.push_back(f.name);
  }
  for (const auto& f : type.fields()) {
    out.push_back(f.name);
  }
  return out;
}

common::Nanos CheckTypeDef::runEvery(const MonitorSpec& spec) const {
  return spec.interval;
}

const CheckTypeDef* findCheckType(std::string_view name) {
  for (const CheckTypeDef* t : checkTypes()) {
    if (t->name() == name) {
      return t;
    }
  }
  return nullptr;
}

std::string checkTypeList() {
  std::string out;
  for (const CheckTypeDef* t : checkTypes()) {
    out += out.empty() ? "" : ", ";
    out += t->name();
  }
  return out;
}

std::string_view fieldKindName(FieldKind kind) {
  switch (kind) {
    case FieldKind::kString:
      return "string";
    case FieldKind::kBool:
      return "bool";
    case FieldKind::kInt:
      return "int";
    case FieldKind::kDuration:
      return "duration";
    case FieldKind::kStringList:
      return "string-list";
    case FieldKind::kStringMap:
      return "string-map";
    case FieldKind::kObjectList:
      return "object-list";
  }
  return "string";
}

nlohmann::json effectiveMonitor(const MonitorSpec& spec) {
  nlohmann::json out = nlohmann::json::object();
  out["type"] = std::string(spec.typeName());
  for (const auto& f : detail::fieldTable()) {
    out[std::string(f.name)] =
        std::visit([&](auto m) { return detail::effectiveValue(spec.*m); }, f.target);
  }
  out["escalation"] = escalationJson(spec.escalation);
  out["locations"] = locationsJson(spec.locations);
  if (spec.type != nullptr && spec.typed != nullptr) {
    out.update(spec.type->effective(*spec.typed));
  }
  return out;
}

}  // namespace ninevolt::config
