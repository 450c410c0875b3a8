#pragma once

// What an incident does when its check starts or stops flapping (state/flap.h). Pure rules
// (no I/O, unit-tested), applied by the dispatcher after the run's state change, which
// flapping holds back (applyChange with silenced_by = kFlappingHold):
// - start: the incident records it (one is opened if the check has none: a check can flap
//   while OK) and every alerter of the monitor (warning and critical) is told once, kind
//   flapping, under "<check>/<incident>/flapping/<n>";
// - while flapping, state notifications are held back like a silence's (recorded as
//   suppressed by "flapping"), and reminders and escalation wait;
// - stop: those told it flapped are told it stopped (kind flapping-stopped, with the state
//   it is in), then what flapping held back and is still true is sent: a failure if it
//   is failing, a resolve to those told a failure if it is OK.
// A silence over the check wins: the flapping notices it covers are dropped (counted), and
// what is held stays held until the silence ends.

#include <optional>
#include <string>
#include <vector>

#include "alerts/incident.h"

namespace ninevolt::alerts {

// The `silenced_by` of what flapping holds back.
inline constexpr const char* kFlappingHold = "flapping";

IncidentStep startFlapping(std::optional<Incident> current, const std::string& check,
                           double percent, const std::vector<std::string>& alerters,
                           const std::string& member_id, const std::string& new_incident_id,
                           common::SystemTime now, const std::string& silenced_by = "");

IncidentStep stopFlapping(Incident incident, const std::string& member_id, common::SystemTime now,
                          const std::string& silenced_by = "");

// Whether flapping holds a notification of the incident back.
bool heldByFlapping(const Incident& incident);

// The alerters told of a check's flapping: its warning alerters, then its critical ones,
// each once.
std::vector<std::string> flappingAlerters(const std::vector<std::string>& warning_alerters,
                                          const std::vector<std::string>& critical_alerters);

}  // namespace ninevolt::alerts
