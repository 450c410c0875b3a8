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

// The incident record and what an alerter was told are etcd values: store/incident.h.
using store::Incident;
using store::Suppressed;
using store::Told;

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
  std::vector<Delivery> suppressed;  // held back by a silence instead (recorded, not sent)
  bool changed = false;              // the stored incident must be written (or deleted)
};

// Pure rules (no I/O, unit-tested):
// - entering WARNING/CRITICAL opens an incident (or continues the open one) and tells the
//   alerters of that level, except an alerter already told this same level in this
//   incident (a new owner re-entering a state the old owner had alerted sends nothing);
// - recovery sends a resolve to every alerter told anything in the incident; with none
//   told, the incident is simply dropped;
// - transition ids are "<check>/<incident id>/<seq>";
// - with `silenced_by` (a silence covering the check now), what would be sent is recorded
//   as the alerter's `suppressed` notification instead; an alerter never told the failure
//   (only suppressed) gets no resolve: it is dropped from the incident on recovery.
IncidentStep applyChange(std::optional<Incident> current, const ChangeOfState& change,
                         const std::vector<std::string>& warning_alerters,
                         const std::vector<std::string>& critical_alerters,
                         const std::string& member_id, const std::string& new_incident_id,
                         const std::string& silenced_by = "", bool quiet_after = false);

// The silence over the incident's check has ended: what each alerter had suppressed is sent
// if still true, under its recorded transition id (a failure while the incident is open, a
// resolve of a failure it was told); the rest is dropped. `incident` nullopt in the answer:
// nothing is left to remember (delete it).
// A failure held back `quiet` (by a maintenance window with notify-after: false, as it was
// when the failure was held) is dropped instead of sent.
IncidentStep releaseSuppressed(Incident incident, const std::string& member_id,
                               common::SystemTime now);
bool hasSuppressed(const Incident& incident);

// Records the outcome of one delivery; returns false when the incident has moved on (that
// alerter has a newer transition id) and nothing changed.
bool recordOutcome(Incident& incident, const std::string& alerter, const std::string& transition_id,
                   bool delivered);

// Deliveries of an incident that no one has settled yet (a new owner sends them again,
// with the same transition ids).
std::vector<Delivery> unsettled(const Incident& incident);

}  // namespace ninevolt::alerts
