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

std::optional<NotificationKind> parseKind(const std::string& s) {
  for (auto k :
       {NotificationKind::kWarning, NotificationKind::kCritical, NotificationKind::kResolve}) {
    if (s == notificationKindName(k)) {
      return k;
    }
  }
  return std::nullopt;
}

std::string transitionId(const Incident& i) {
  return i.check + "/" + i.id + "/" + std::to_string(i.seq);
}

}  // namespace

bool Incident::finished() const {
  return resolved() && std::all_of(alerters.begin(), alerters.end(), [](const auto& a) {
           return a.second.kind == NotificationKind::kResolve && a.second.settled();
         });
}

nlohmann::json Incident::toJson() const {
  nlohmann::json told = nlohmann::json::object();
  for (const auto& [name, t] : alerters) {
    told[name] = {{"kind", notificationKindName(t.kind)},
                  {"transition", t.transition_id},
                  {"delivered", t.delivered},
                  {"failed", t.failed}};
  }
  return {{"check", check},
          {"id", id},
          {"seq", seq},
          {"status", std::string(state::stateName(status))},
          {"resolved", resolved()},
          {"count", count},
          {"last_failing", std::string(state::stateName(last_failing))},
          {"owner", owner},
          {"error", error},
          {"opened", common::formatRfc3339Micros(opened)},
          {"updated", common::formatRfc3339Micros(updated)},
          {"alerters", told}};
}

Result<Incident> Incident::fromJson(const nlohmann::json& j) {
  try {
    Incident i;
    i.check = j.at("check").get<std::string>();
    i.id = j.at("id").get<std::string>();
    i.seq = j.at("seq").get<int>();
    auto status = state::parseStateName(j.at("status").get<std::string>());
    if (!status) {
      return fail(Errc::kInvalidArgument, "incident: unknown status");
    }
    i.status = *status;
    i.count = j.value("count", 0);
    if (auto lf = state::parseStateName(j.value("last_failing", "critical"))) {
      i.last_failing = *lf;
    }
    i.owner = j.value("owner", "");
    i.error = j.value("error", "");
    if (auto t = common::parseRfc3339(j.value("opened", ""))) {
      i.opened = *t;
    }
    if (auto t = common::parseRfc3339(j.value("updated", ""))) {
      i.updated = *t;
    }
    for (const auto& [name, t] : j.at("alerters").items()) {
      auto kind = parseKind(t.at("kind").get<std::string>());
      if (!kind) {
        return fail(Errc::kInvalidArgument, "incident: alerter '" + name + "': unknown kind");
      }
      i.alerters[name] = Told{*kind, t.at("transition").get<std::string>(),
                              t.value("delivered", false), t.value("failed", false)};
    }
    return i;
  } catch (const nlohmann::json::exception& e) {
    return fail(Errc::kInvalidArgument, std::string("incident: ") + e.what());
  }
}

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
