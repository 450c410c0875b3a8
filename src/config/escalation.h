#pragma once

// A monitor's follow-up fields that are not plain table fields: `escalation` (a list of
// steps) and the bounds of `reminder-interval`. Read by parseMonitor (config/monitor.cc).

#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/spec.h"
#include "config/values.h"

namespace ninevolt::config {

// [{after: 15m, alerters: [a, b]}, ...]: each `after` a duration in (0, 366d], different
// from the others; `alerters` names at least one alerter (checked to exist like the other
// alerter lists: checkAlerterReferences); at most ConfigLimits::kMaxEscalationSteps steps.
// Sorted by `after`. Problems are named "escalation[2].after".
std::optional<std::vector<EscalationStep>> readEscalation(const nlohmann::json& value,
                                                          detail::ProblemSink& sink);
nlohmann::json escalationJson(const std::vector<EscalationStep>& steps);

// reminder-interval (a monitor's or an alerter's) within [1m, 366d]; `field` names it.
void checkReminderInterval(const std::optional<common::Nanos>& interval, const char* field,
                           detail::ProblemSink& sink);

}  // namespace ninevolt::config
