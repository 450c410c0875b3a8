#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "config/check_type.h"
#include "config/locations.h"
#include "config/problems.h"

namespace ninevolt::config {

using common::Nanos;

// One step of a monitor's `escalation`: once per incident, when it has been failing for
// `after` and nobody acknowledged it, its alerters are told too (and later its resolve).
struct EscalationStep {
  Nanos after{0};
  std::vector<std::string> alerters;
};

// A monitor (check): the common fields of REFERENCE-9volt.md, defaults applied, and its
// type's own fields in `typed` (read and checked by the type, config/check_type.h). Built
// only by parseMonitor(), so a MonitorSpec that exists is valid.
struct MonitorSpec {
  std::string name;
  const CheckTypeDef* type = nullptr;  // never null in a parsed spec

  std::string description;
  Nanos interval{0};
  Nanos timeout{0};  // the type's default (3s, tcp 4s), capped at interval, if unset
  bool disable = false;
  bool enabled = true;  // the original 9volt's field, kept for its configs: !disable
  std::vector<std::string> tags;
  std::string member_tag;
  int warning_threshold = 0;
  int critical_threshold = 0;
  std::vector<std::string> warning_alerter;
  std::vector<std::string> critical_alerter;
  // While an incident stays open and unacknowledged, its alert again this often (unset: the
  // alerter's own `reminder-interval`, if any).
  std::optional<Nanos> reminder_interval;
  std::vector<EscalationStep> escalation;  // sorted by `after` (config/escalation.h)
  // Monitors this one is behind (config/dependencies.h): while one of them fails, its
  // alerts are held.
  std::vector<std::string> depends_on;
  // Flap detection (state/flap.h): percents of state changes over the last 21 runs.
  bool flap_detection = true;
  int flap_low = 25;
  int flap_high = 50;
  // Where it runs (config/locations.h, docs/locations.md): none = one member anywhere; else a
  // replica per location, combined by a quorum (0 = the default).
  LocationList locations;
  int failing_locations = 0;
  int recovered_locations = 0;
  // Before entering CRITICAL, have another member (another location if any) run it once:
  // only if that fails too does it page (docs/locations.md "Confirm before paging").
  bool confirm = false;

  // The type's own fields (HttpOptions, TcpOptions, ...), immutable and shared by copies.
  std::shared_ptr<const TypeOptions> typed;

  // The object exactly as written (YAML converted to JSON, or the JSON body/etcd value):
  // what is stored in etcd, so defaults can improve without rewriting users' configs.
  // Null in a running spec (shareMonitor()): the fingerprint stands for it there.
  nlohmann::json raw;
  // Tells a changed spec from an unchanged one (the raw object's size and hash); set by
  // shareMonitor(). Two specs collide once in ~2^64 edits.
  uint64_t raw_size = 0;
  uint64_t raw_hash = 0;

  std::string_view typeName() const { return type != nullptr ? type->name() : "unknown"; }
  // The type's options; T must be the options struct of this spec's type.
  template <class T>
  const T& options() const {
    return static_cast<const T&>(*typed);
  }
};

// A parsed monitor as the member that runs it holds it: parsed once from its etcd value by
// the manager, then shared, immutable, by the manager (its owned checks), the engine (the
// check running it) and the alert dispatcher (who to tell, and the target to name). Built by
// shareMonitor(); never changed in place: an edit is a new SharedMonitor.
using SharedMonitor = std::shared_ptr<const MonitorSpec>;
// The running form of a spec: fingerprinted, its JSON tree dropped (~0.5 KiB per check that
// nothing reads once the spec is parsed).
SharedMonitor shareMonitor(MonitorSpec spec);
// Whether two running specs were parsed from the same object.
inline bool sameMonitor(const MonitorSpec& a, const MonitorSpec& b) {
  return a.raw_size == b.raw_size && a.raw_hash == b.raw_hash && a.name == b.name;
}

// An alerter: {"type","description","options":{...}} with string option values.
struct AlerterSpec {
  std::string name;
  std::string type;  // slack | pagerduty | email | webhook
  std::string description;
  std::map<std::string, std::string> options;
  // Reminders to this alerter while an incident stays open, for monitors that set none.
  std::optional<Nanos> reminder_interval;
  nlohmann::json raw;
};

// Limits on what one object may hold (docs/configs.md, "Limits"). They keep every value
// well inside what etcd accepts (1.5 MiB per request) and what a member should hold.
struct ConfigLimits {
  static constexpr size_t kMaxNameBytes = 128;
  static constexpr size_t kMaxStringBytes = 64 * 1024;   // any one string field
  static constexpr size_t kMaxListItems = 1000;          // tags, args, alerter lists, headers
  static constexpr size_t kMaxObjectBytes = 256 * 1024;  // the object as JSON
  static constexpr Nanos kMinInterval = std::chrono::milliseconds(100);
  // Reminders: at most one message per alerter this often (a typo like 1s must not flood a
  // receiver; 10s keeps end-to-end tests of reminders short).
  static constexpr Nanos kMinReminder = std::chrono::seconds(10);
  static constexpr Nanos kMaxFollowUp = std::chrono::hours(24 * 366);
  static constexpr size_t kMaxEscalationSteps = 20;
  static constexpr size_t kMaxDependsOn = 20;
};

// Name rule for monitors and alerters: [A-Za-z0-9._-]{1,128}, not "." or "..".
bool validName(std::string_view name);
// Why a name breaks that rule ("character '\x01' at byte 3 is not allowed; ..."), or "" when
// it is valid. The name is quoted safely (control bytes and non-UTF-8 escaped).
std::string nameProblem(std::string_view name);

// Whether a stored monitor value is disabled: `disable: true`, or the original 9volt's
// `enabled: false`. For code that reads monitors without parsing them (placement, listings).
bool monitorDisabled(const nlohmann::json& value);

// What placement reads of a stored monitor: its member-tag ("" when unset or not a string,
// which the owner's parse rejects) and whether it is disabled. Placement reads every monitor
// of the cluster (the director holds a view of all of them), so it reads just these two
// fields instead of parsing each monitor whole; this is the one place that knows how.
struct MonitorPlacement {
  std::string member_tag;
  bool disabled = false;
  LocationList locations;  // none: one owner anywhere
};
MonitorPlacement placementOf(const nlohmann::json& value);

// Parse + validate one object. On any problem, returns nullopt and appends every problem
// found (not just the first) to `problems`.
std::optional<MonitorSpec> parseMonitor(std::string_view name, const nlohmann::json& value,
                                        Problems& problems);
std::optional<AlerterSpec> parseAlerter(std::string_view name, const nlohmann::json& value,
                                        Problems& problems);

// Cross-object rule: every alerter a monitor names must exist. One problem per missing
// reference ("monitor 'web': critical-alerter: unknown alerter 'pd' (did you mean 'pd1'?)").
Problems checkAlerterReferences(const MonitorSpec& monitor,
                                const std::set<std::string>& alerter_names);
// The same for a monitor as written (its value may have other problems: the alerter lists
// and escalation steps that can be read are checked, so every problem comes back at once).
Problems checkAlerterReferences(std::string_view name, const nlohmann::json& value,
                                const std::set<std::string>& alerter_names);

// A config document (one YAML file, or an API body): top-level `monitor:` and/or `alerter:`
// maps of name -> object. Unknown top-level keys and non-map sections are problems.
struct Document {
  bool has_monitor = false;
  bool has_alerter = false;
  bool has_maintenance = false;
  nlohmann::json monitors = nlohmann::json::object();
  nlohmann::json alerters = nlohmann::json::object();
  nlohmann::json maintenance = nlohmann::json::object();  // config/maintenance.h
};
Document splitDocument(const nlohmann::json& root, Problems& problems);

// Names of the fields a monitor of this type accepts: the common ones, then the type's own.
std::vector<std::string_view> monitorFields(const CheckTypeDef& type);
// The common fields (those every type accepts), as the API lists them.
std::span<const FieldInfo> commonMonitorFields();
// Every field of a parsed spec with its effective value (defaults applied, secrets
// redacted): what `9volt check` and the API show.
nlohmann::json effectiveMonitor(const MonitorSpec& spec);

}  // namespace ninevolt::config
