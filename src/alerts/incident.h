#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "alerts/alerter.h"
#include "common/clock.h"
#include "common/result.h"
#include "state/state_machine.h"

namespace ninevolt::alerts {

// What one alerter has been told within an incident.
struct Told {
  NotificationKind kind = NotificationKind::kCritical;
  std::string transition_id;  // of that notification; the same on every (re)delivery
  bool delivered = false;     // the receiver accepted it
  bool failed = false;        // given up (retries exhausted or not retryable)
  bool settled() const { return delivered || failed; }
};

// The durable alert state of one check: /9volt/incident/<check>, written by the check's
// owner BEFORE it sends anything (and after each delivery), so a new owner after a move
// or crash knows what was sent and resolves what the old owner opened.
// The manager reads "status", "count" and "resolved" of it to seed arriving checks.
struct Incident {
  std::string check;
  std::string id;  // unique per incident ("<unix ms>-<member>")
  int seq = 0;     // transitions within this incident; part of each transition id
  state::CheckState status = state::CheckState::kCritical;  // ok = resolved
  int count = 0;  // consecutive failures at the last failing transition
  state::CheckState last_failing = state::CheckState::kCritical;  // what a resolve ends
  std::string owner;                                              // member that wrote it last
  std::string error;  // message of the last failing result
  common::SystemTime opened{};
  common::SystemTime updated{};
  std::map<std::string, Told> alerters;  // alerter name -> what it was told

  bool resolved() const { return status == state::CheckState::kOk; }
  // Resolved and every resolve delivered (or given up): nothing left to remember.
  bool finished() const;
  nlohmann::json toJson() const;
  static Result<Incident> fromJson(const nlohmann::json& j);
};

// One notification to send: to whom, of what kind, under which transition id.
struct Delivery {
  std::string alerter;
  NotificationKind kind = NotificationKind::kCritical;
  std::string transition_id;
  std::string previous_status;  // state left ("" when re-sent by a new owner: not known)
};

// A state change of a check as the dispatcher sees it.
struct ChangeOfState {
  std::string check;
  state::CheckState from = state::CheckState::kOk;
  state::CheckState to = state::CheckState::kOk;
  int count = 0;
  std::string error;  // the result's message
  common::SystemTime time{};
};

// The incident after a change, and what to send for it. `incident` nullopt = delete it
// (or leave it absent).
struct IncidentStep {
  std::optional<Incident> incident;
  std::vector<Delivery> deliveries;
  bool changed = false;  // the stored incident must be written (or deleted)
};

// Pure rules (no I/O, unit-tested):
// - entering WARNING/CRITICAL opens an incident (or continues the open one) and tells the
//   alerters of that level, except an alerter already told this same level in this
//   incident (a new owner re-entering a state the old owner had alerted sends nothing);
// - recovery sends a resolve to every alerter told anything in the incident; with none
//   told, the incident is simply dropped;
// - transition ids are "<check>/<incident id>/<seq>".
IncidentStep applyChange(std::optional<Incident> current, const ChangeOfState& change,
                         const std::vector<std::string>& warning_alerters,
                         const std::vector<std::string>& critical_alerters,
                         const std::string& member_id, const std::string& new_incident_id);

// Records the outcome of one delivery; returns false when the incident has moved on (that
// alerter has a newer transition id) and nothing changed.
bool recordOutcome(Incident& incident, const std::string& alerter, const std::string& transition_id,
                   bool delivered);

// Deliveries of an incident that no one has settled yet (a new owner sends them again,
// with the same transition ids).
std::vector<Delivery> unsettled(const Incident& incident);

}  // namespace ninevolt::alerts
