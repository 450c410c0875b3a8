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
                         const std::string& member_id, const std::string& new_incident_id,
                         const std::string& silenced_by, bool quiet_after) {
  IncidentStep step;
  if (current && current->resolved()) {
    // A finished incident left behind (its delete was lost): a new failure opens a new one.
    if (change.to == state::CheckState::kOk) {
      step.incident = std::move(current);
      return step;
    }
    current.reset();
  }
  // Sends `kind` to the alerter now, or holds it back while a silence covers the check.
  auto tell = [&](const std::string& name, Told& told, NotificationKind kind,
                  const std::string& tid) {
    if (!silenced_by.empty()) {
      told.suppressed = Suppressed{kind, tid, silenced_by, quiet_after};
      step.suppressed.push_back({name, kind, tid, std::string(state::stateName(change.from))});
      return;
    }
    told = Told{kind, tid, false, false};
    step.deliveries.push_back({name, kind, tid, std::string(state::stateName(change.from))});
  };

  if (change.to == state::CheckState::kOk) {
    if (!current) {
      return step;  // nothing was open: nothing to resolve
    }
    Incident inc = std::move(*current);
    step.changed = true;
    // An alerter a silence kept from hearing of the failure hears nothing of its end.
    std::erase_if(inc.alerters, [](const auto& a) { return !a.second.sent(); });
    if (inc.alerters.empty()) {
      return step;  // open but nobody told (no alerters, or all silenced): just forget it
    }
    inc.seq++;
    inc.status = state::CheckState::kOk;
    inc.owner = member_id;
    inc.updated = change.time;
    const std::string tid = transitionId(inc);
    for (auto& [name, told] : inc.alerters) {
      told.suppressed.reset();  // a failure held back is no longer true
      tell(name, told, NotificationKind::kResolve, tid);
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
    Told& told = inc.alerters[name];
    if (told.sent() && told.kind == kind) {
      told.suppressed.reset();  // told this level already (maybe by a previous owner)
      continue;
    }
    tell(name, told, kind, tid);
  }
  step.incident = std::move(inc);
  return step;
}

IncidentStep releaseSuppressed(Incident incident, const std::string& member_id,
                               common::SystemTime now) {
  IncidentStep step;
  for (auto& [name, told] : incident.alerters) {
    if (!told.suppressed) {
      continue;
    }
    const Suppressed held = *told.suppressed;
    told.suppressed.reset();
    step.changed = true;
    // A failure held back is sent if the incident is still failing (applyChange dropped it
    // otherwise); a resolve held back goes to an alerter that was told the failure.
    const bool resolve = held.kind == NotificationKind::kResolve;
    if (resolve != incident.resolved()) {
      continue;
    }
    if (!resolve && held.quiet) {
      continue;  // the window said: nothing after it (never told: dropped below)
    }
    told = Told{held.kind, held.transition_id, false, false};
    step.deliveries.push_back({name, held.kind, held.transition_id, ""});
  }
  if (step.changed) {
    incident.owner = member_id;
    incident.updated = now;
  }
  std::erase_if(incident.alerters, [](const auto& a) { return !a.second.sent(); });
  if (!incident.finished() && !(incident.resolved() && incident.alerters.empty())) {
    step.incident = std::move(incident);
  }
  return step;
}

bool hasSuppressed(const Incident& incident) {
  return std::any_of(incident.alerters.begin(), incident.alerters.end(),
                     [](const auto& a) { return a.second.suppressed.has_value(); });
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
    if (!told.settled()) {  // what a silence holds back waits for it (releaseSuppressed)
      out.push_back({name, told.kind, told.transition_id, ""});
    }
  }
  return out;
}

}  // namespace ninevolt::alerts
