#include "alerts/flapping.h"

#include <algorithm>
#include <limits>

namespace ninevolt::alerts {
namespace {

std::string base(const Incident& inc) {
  return inc.check + "/" + inc.id + "/";
}

}  // namespace

std::vector<std::string> flappingAlerters(const std::vector<std::string>& warning_alerters,
                                          const std::vector<std::string>& critical_alerters) {
  std::vector<std::string> out;
  for (const auto* list : {&warning_alerters, &critical_alerters}) {
    for (const auto& name : *list) {
      if (std::find(out.begin(), out.end(), name) == out.end()) {
        out.push_back(name);
      }
    }
  }
  return out;
}

bool heldByFlapping(const Incident& incident) {
  return std::any_of(incident.alerters.begin(), incident.alerters.end(), [](const auto& a) {
    return a.second.suppressed && a.second.suppressed->by == kFlappingHold;
  });
}

IncidentStep startFlapping(std::optional<Incident> current, const std::string& check,
                           double percent, const std::vector<std::string>& alerters,
                           const std::string& member_id, const std::string& new_incident_id,
                           common::SystemTime now, const std::string& silenced_by) {
  IncidentStep step;
  if (current && current->flapping) {
    step.incident = std::move(current);  // already recorded (by a previous owner)
    return step;
  }
  if (current && current->finished()) {
    current.reset();  // a finished incident left behind (its delete was lost)
  }
  Incident inc;
  if (current) {
    inc = std::move(*current);
  } else {
    inc.check = check;
    inc.id = new_incident_id;
    inc.opened = now;
    inc.status = state::CheckState::kOk;
  }
  inc.flapping = Flapping{now, percent};
  inc.flaps = std::min(inc.flaps, std::numeric_limits<int>::max() - 1) + 1;
  inc.owner = member_id;
  inc.updated = now;
  step.changed = true;
  const std::string tid = base(inc) + "flapping/" + std::to_string(inc.flaps);
  for (const auto& name : alerters) {
    if (!silenced_by.empty()) {
      step.dropped++;
      continue;
    }
    inc.follow_ups[name] = Told{NotificationKind::kFlapping, tid, false, false};
    step.deliveries.push_back({name, NotificationKind::kFlapping, tid, ""});
  }
  step.incident = std::move(inc);
  return step;
}

IncidentStep stopFlapping(Incident inc, const std::string& member_id, common::SystemTime now,
                          const std::string& silenced_by) {
  IncidentStep step;
  const bool was_flapping = inc.flapping.has_value();
  if (!was_flapping && !heldByFlapping(inc)) {
    step.incident = std::move(inc);
    return step;
  }
  inc.flapping.reset();
  inc.owner = member_id;
  inc.updated = now;
  step.changed = true;
  const std::string told_tid = base(inc) + "flapping/" + std::to_string(inc.flaps);
  const std::string tid = base(inc) + "flapping-stopped/" + std::to_string(inc.flaps);
  for (auto& [name, told] : inc.follow_ups) {
    if (!was_flapping) {
      break;  // (what flapping held without the incident saying so is released below)
    }
    if (told.transition_id != told_tid) {
      continue;  // not told this one started
    }
    if (!silenced_by.empty()) {
      step.dropped++;
      continue;
    }
    told = Told{NotificationKind::kFlappingStopped, tid, false, false};
    step.deliveries.push_back({name, NotificationKind::kFlappingStopped, tid, ""});
  }
  if (!silenced_by.empty()) {
    // The silence holds what flapping held: it is sent when the silence ends.
    for (auto& [name, told] : inc.alerters) {
      if (told.suppressed && told.suppressed->by == kFlappingHold) {
        told.suppressed->by = silenced_by;
      }
    }
    step.incident = std::move(inc);
    return step;
  }
  IncidentStep released = releaseSuppressed(std::move(inc), member_id, now);
  step.deliveries.insert(step.deliveries.end(), released.deliveries.begin(),
                         released.deliveries.end());
  step.incident = std::move(released.incident);
  return step;
}

}  // namespace ninevolt::alerts
