#include "alerts/incident.h"

#include <algorithm>

namespace ninevolt::alerts {
namespace {

NotificationKind kindFor(state::CheckState to) {
  switch (to) {
    case state::CheckState::kWarning:
      return NotificationKind::kWarning;
    case state::CheckState::kCritical:
      return NotificationKind::kCritical;
    case state::CheckState::kOk:
      break;
  }
  return NotificationKind::kResolve;
}

std::string transitionId(const Incident& i) {
  return i.check + "/" + i.id + "/" + std::to_string(i.seq);
}

}  // namespace

IncidentStep applyChange(std::optional<Incident> current, const ChangeOfState& change,
                         const std::vector<std::string>& warning_alerters,
                         const std::vector<std::string>& critical_alerters,
                         const std::string& member_id, const std::string& new_incident_id) {
  IncidentStep step;
  if (current && current->resolved()) {
    // A finished incident left behind (its delete was lost): a new failure opens a new one.
    if (change.to == state::CheckState::kOk) {
      step.incident = std::move(current);
      return step;
    }
    current.reset();
  }
  if (change.to == state::CheckState::kOk) {
    if (!current) {
      return step;  // nothing was open: nothing to resolve
    }
    Incident inc = std::move(*current);
    step.changed = true;
    if (inc.alerters.empty()) {
      return step;  // open but nobody told (no alerters configured): just forget it
    }
    inc.seq++;
    inc.status = state::CheckState::kOk;
    inc.owner = member_id;
    inc.updated = change.time;
    const std::string tid = transitionId(inc);
    for (auto& [name, told] : inc.alerters) {
      told = Told{NotificationKind::kResolve, tid, false, false};
      step.deliveries.push_back(
          {name, NotificationKind::kResolve, tid, std::string(state::stateName(change.from))});
    }
    step.incident = std::move(inc);
    return step;
  }

  Incident inc;
  if (current) {
    inc = std::move(*current);
  } else {
    inc.check = change.check;
    inc.id = new_incident_id;
    inc.opened = change.time;
  }
  inc.seq++;
  inc.status = change.to;
  inc.last_failing = change.to;
  inc.count = change.count;
  inc.owner = member_id;
  inc.error = change.error;
  inc.updated = change.time;
  step.changed = true;
  const NotificationKind kind = kindFor(change.to);
  const std::string tid = transitionId(inc);
  const auto& list =
      change.to == state::CheckState::kCritical ? critical_alerters : warning_alerters;
  for (const auto& name : list) {
    auto it = inc.alerters.find(name);
    if (it != inc.alerters.end() && it->second.kind == kind) {
      continue;  // told this level already in this incident (maybe by a previous owner)
    }
    inc.alerters[name] = Told{kind, tid, false, false};
    step.deliveries.push_back({name, kind, tid, std::string(state::stateName(change.from))});
  }
  step.incident = std::move(inc);
  return step;
}

bool recordOutcome(Incident& incident, const std::string& alerter, const std::string& transition_id,
                   bool delivered) {
  auto it = incident.alerters.find(alerter);
  if (it == incident.alerters.end() || it->second.transition_id != transition_id) {
    return false;
  }
  it->second.delivered = delivered;
  it->second.failed = !delivered;
  return true;
}

std::vector<Delivery> unsettled(const Incident& incident) {
  std::vector<Delivery> out;
  for (const auto& [name, told] : incident.alerters) {
    if (!told.settled()) {
      out.push_back({name, told.kind, told.transition_id, ""});
    }
  }
  return out;
}

}  // namespace ninevolt::alerts
