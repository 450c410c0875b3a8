#include "config/monitor_rules.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "config/escalation.h"
#include "config/monitor_fields.h"

namespace ninevolt::config::detail {

void checkRequiredCommon(const FieldState& state, ProblemSink& sink) {
  for (const auto& f : commonFieldTable()) {
    if (f.flags.required) {
      checkRequiredField(FieldInfo{.name = f.name}, false, state, sink);
    }
  }
}

namespace {

// What one monitor can say of its own parents (existence and cycles need the others:
// config/dependencies.h).
void checkDependsOn(const MonitorSpec& spec, ProblemSink& sink) {
  if (spec.depends_on.size() > ConfigLimits::kMaxDependsOn) {
    sink.add("depends-on", fmt::format("{} monitors; at most {}", spec.depends_on.size(),
                                       ConfigLimits::kMaxDependsOn));
    return;
  }
  std::set<std::string_view> seen;
  for (const auto& parent : spec.depends_on) {
    if (auto bad = nameProblem(parent); !bad.empty()) {
      sink.add("depends-on", "not a monitor name: " + bad);
    } else if (parent == spec.name) {
      sink.add("depends-on", "a monitor cannot depend on itself");
    } else if (!seen.insert(parent).second) {
      sink.add("depends-on", fmt::format("'{}' is listed twice", parent));
    }
  }
}

// failing-locations and recovered-locations against the locations listed: a check that
// could never be raised, never cleared, or be both at once is refused.
void checkLocations(const MonitorSpec& spec, const FieldState& state, ProblemSink& sink) {
  const bool failing = state.has("failing-locations");
  const bool recovered = state.has("recovered-locations");
  if (!spec.type->probes()) {
    for (auto [f, on] :
         {std::pair{"locations", spec.locations.any()}, std::pair{"confirm", spec.confirm}}) {
      if (on) {
        sink.add(f, fmt::format("does not apply to type {}: it reaches out to no target, so "
                                "running it elsewhere judges the same thing",
                                spec.type->name()));
      }
    }
  }
  if (spec.confirm && spec.locations.any()) {
    sink.add("confirm",
             "applies to a check run from one place; with locations the quorum "
             "confirms (failing-locations)");
  }
  if (!spec.locations.any()) {
    for (const char* f : {"failing-locations", "recovered-locations"}) {
      if (state.has(f)) {
        sink.add(f, "applies only with locations (none are set)");
      }
    }
    return;
  }
  if (spec.locations.all) {
    return;  // the live locations decide; written values are capped at their number
  }
  const int n = static_cast<int>(spec.locations.names.size());
  bool ok = true;
  for (auto [f, v] : {std::pair{"failing-locations", spec.failing_locations},
                      std::pair{"recovered-locations", spec.recovered_locations}}) {
    if (state.has(f) && v > n) {
      sink.add(f, fmt::format("{} of {} listed location(s): it could never be reached", v, n));
      ok = false;
    }
  }
  if (ok && (failing || recovered)) {
    const Quorum q = quorumOf(spec.failing_locations, spec.recovered_locations, n);
    if (q.failing + q.recovered <= n) {
      sink.add(failing ? "failing-locations" : "recovered-locations",
               fmt::format("failing-locations {} + recovered-locations {} must be more than the {} "
                           "location(s) listed, or the check could be failing and recovered at "
                           "once{}",
                           q.failing, q.recovered, n,
                           failing && recovered ? "" : " (the other is the default)"));
    }
  }
}

}  // namespace

void applyCommonRules(MonitorSpec& spec, const FieldState& state, ProblemSink& sink) {
  if (state.has("interval") && spec.interval < ConfigLimits::kMinInterval) {
    // Anything faster is a mistake (1ns spun a worker) or a load test: not a monitor.
    sink.add("interval", fmt::format("must be at least {}, got {}",
                                     common::formatDuration(ConfigLimits::kMinInterval),
                                     common::formatDuration(spec.interval)));
  }
  if (state.has("enabled")) {
    if (state.has("disable") && spec.disable == spec.enabled) {
      sink.add("enabled", fmt::format("enabled: {} contradicts disable: {}; write only disable "
                                      "(enabled is kept for the original 9volt's configs)",
                                      spec.enabled, spec.disable));
    } else {
      spec.disable = !spec.enabled;
    }
  }
  spec.enabled = !spec.disable;
  if (state.has("interval")) {
    if (state.has("timeout")) {
      if (spec.timeout >= spec.interval) {
        sink.add("timeout", fmt::format("{} must be shorter than interval {}",
                                        common::formatDuration(spec.timeout),
                                        common::formatDuration(spec.interval)));
      }
    } else if (state.ok("timeout")) {
      // A 1s check must not need a written timeout just because the default is 3s.
      spec.timeout = std::min(spec.type->defaultTimeout(), spec.interval);
    }
  }
  if (state.has("reminder-interval")) {
    checkReminderInterval(spec.reminder_interval, "reminder-interval", sink);
  }
  if (state.has("depends-on")) {
    checkDependsOn(spec, sink);
  }
  if (state.ok("locations") && state.ok("failing-locations") && state.ok("recovered-locations")
      && state.ok("confirm")) {
    checkLocations(spec, state, sink);
  }
  if (state.ok("flap-low") && state.ok("flap-high") && spec.flap_low >= spec.flap_high) {
    const bool written = state.has("flap-high");
    sink.add(state.has("flap-low") ? "flap-low" : "flap-high",
             fmt::format("flap-low {} must be below flap-high {}{}", spec.flap_low, spec.flap_high,
                         written ? "" : " (the default; set it too)"));
  }
  if (state.ok("warning-threshold") && state.ok("critical-threshold")
      && spec.warning_threshold > spec.critical_threshold) {
    sink.add("warning-threshold",
             fmt::format("{} must not be greater than critical-threshold {}{}",
                         spec.warning_threshold, spec.critical_threshold,
                         state.has("critical-threshold") ? "" : " (the default; set it too)"));
  }
}

}  // namespace ninevolt::config::detail
