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
