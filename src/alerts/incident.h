#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "alerts/alerter.h"
#include "common/clock.h"
#include "common/result.h"
#include "config/spec.h"
#include "state/state_machine.h"

namespace ninevolt::alerts {

// The incident record and what an alerter was told are etcd values: store/incident.h.
using store::Ack;
using store::Flapping;
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
  // The run also started or stopped flapping (from == to when only that changed).
  state::FlapChange flap = state::FlapChange::kNone;
  double flap_percent = 0;
  bool flapping_now = false;  // the engine's view after the run
};

// The incident after a change, and what to send for it. `incident` nullopt = delete it
// (or leave it absent).
struct IncidentStep {
  std::optional<Incident> incident;
  std::vector<Delivery> deliveries;
  std::vector<Delivery> suppressed;  // held back by a silence instead (recorded, not sent)
  int dropped = 0;                   // follow-ups a silence dropped (not held: followUp)
  bool changed = false;              // the stored incident must be written (or deleted)
};

// Two steps applied one after the other: `then` was computed from first.incident. Its
// incident, both their deliveries in order, everything else added up.
IncidentStep merged(IncidentStep first, IncidentStep then);

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
// alerter has a newer transition id) and nothing changed. `digest`: a state notification
// went into that alert storm's digest instead of a message of its own (alerts/storm.h).
bool recordOutcome(Incident& incident, const std::string& alerter, const std::string& transition_id,
                   bool delivered, const std::string& digest = "");

// How an open incident is followed up: the check's monitor and its alerters' settings.
struct FollowUpPolicy {
  std::optional<common::Nanos> reminder_interval;  // the monitor's
  // An alerter's own reminder-interval, used when the monitor sets none.
  std::map<std::string, common::Nanos> alerter_reminders;
  std::vector<config::EscalationStep> escalation;  // sorted by `after`
};
FollowUpPolicy followUpPolicyOf(const config::MonitorSpec* spec,
                                const std::map<std::string, common::Nanos>& alerter_reminders);

// What an open incident is due at `now`, besides state changes (pure, unit-tested):
// - an ack not yet announced: kind ack to every alerter told the failure, under
//   "<check>/<incident>/ack/<n>";
// - while not acknowledged: each escalation step whose `after` has passed fires once
//   ("…/escalation/<after>", the current failure, to its alerters not told it yet; held
//   back like any failure while a silence covers the check), and each alerter told the
//   failure with a reminder interval gets a reminder an interval after it was last told
//   ("…/reminder/<n>", n counting that alerter's reminders in this incident; reminders
//   missed while no member ran the check are one reminder, not a burst).
// While a silence covers the check, reminders and ack announcements are dropped (counted
// in `suppressed`, not held: they are no state to tell later).
IncidentStep followUp(Incident incident, const FollowUpPolicy& policy, const std::string& member_id,
                      common::SystemTime now, const std::string& silenced_by = "",
                      bool quiet_after = false);
// When followUp() has something to do next (nullopt: nothing, ever, unless the incident or
// its ack changes). May be in the past: due now.
std::optional<common::SystemTime> nextFollowUp(const Incident& incident,
                                               const FollowUpPolicy& policy,
                                               common::SystemTime now);

// What a follow-up transition id says: "…/reminder/3" -> {"reminder", 3, "3"},
// "…/escalation/15m" -> {"escalation", 0, "15m"}; a state transition's id -> {}.
struct FollowUpId {
  std::string what;  // "" | "reminder" | "escalation" | "ack" | "flapping" | "flapping-stopped"
  int n = 0;         // reminder and ack: their number
  std::string arg;   // the last part: the number, or an escalation step's `after`
};
FollowUpId followUpOf(std::string_view transition_id);

// Deliveries of an incident that no one has settled yet (a new owner sends them again,
// with the same transition ids).
std::vector<Delivery> unsettled(const Incident& incident);

}  // namespace ninevolt::alerts
