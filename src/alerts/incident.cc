#include "alerts/incident.h"

#include <algorithm>
#include <limits>

#include "common/duration.h"

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

IncidentStep merged(IncidentStep first, IncidentStep then) {
  first.incident = std::move(then.incident);
  first.deliveries.insert(first.deliveries.end(), then.deliveries.begin(), then.deliveries.end());
  first.suppressed.insert(first.suppressed.end(), then.suppressed.begin(), then.suppressed.end());
  first.dropped += then.dropped;
  first.changed = first.changed || then.changed;
  return first;
}

IncidentStep applyChange(std::optional<Incident> current, const ChangeOfState& change,
                         const std::vector<std::string>& warning_alerters,
                         const std::vector<std::string>& critical_alerters,
                         const std::string& member_id, const std::string& new_incident_id,
                         const std::string& silenced_by, bool quiet_after) {
  IncidentStep step;
  if (current && current->resolved() && !current->flapping) {
    // A finished incident left behind (its delete was lost): a new failure opens a new one.
    // (A flapping one goes on: the check flaps within one incident.)
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
    const int reminders = told.reminders;  // their ids stay unique within the incident
    std::string digest = std::move(told.digest);
    const bool alone = told.alone;  // a resolve goes where its failure went
    told = Told{kind, tid, false, false};
    told.reminders = reminders;
    told.digest = std::move(digest);
    told.alone = alone;
    told.at = change.time;
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
    if (inc.alerters.empty() && !inc.flapping) {
      return step;  // open but nobody told (no alerters, or all silenced): just forget it
    }
    inc.seq++;
    inc.status = state::CheckState::kOk;
    inc.owner = member_id;
    inc.updated = change.time;
    inc.ack.reset();  // an ack ends with its incident
    // A reminder or ack not delivered yet is no longer true; flapping notices still are.
    std::erase_if(inc.follow_ups, [](const auto& f) {
      return f.second.kind != NotificationKind::kFlapping
             && f.second.kind != NotificationKind::kFlappingStopped;
    });
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
    const int reminders = told.reminders;
    std::string digest = std::move(told.digest);
    const bool alone = told.alone;
    told = Told{held.kind, held.transition_id, false, false};
    told.reminders = reminders;
    told.digest = std::move(digest);
    told.alone = alone;
    told.at = now;
    step.deliveries.push_back({name, held.kind, held.transition_id, ""});
  }
  if (step.changed) {
    incident.owner = member_id;
    incident.updated = now;
  }
  std::erase_if(incident.alerters, [](const auto& a) { return !a.second.sent(); });
  if (!incident.finished()) {
    step.incident = std::move(incident);
  }
  return step;
}

bool hasSuppressed(const Incident& incident) {
  return std::any_of(incident.alerters.begin(), incident.alerters.end(),
                     [](const auto& a) { return a.second.suppressed.has_value(); });
}

bool recordOutcome(Incident& incident, const std::string& alerter, const std::string& transition_id,
                   bool delivered, const std::string& digest) {
  if (auto it = incident.alerters.find(alerter);
      it != incident.alerters.end() && it->second.transition_id == transition_id) {
    it->second.delivered = delivered;
    it->second.failed = !delivered;
    it->second.digest = digest;  // where the next one goes: the same storm, or on its own
    const bool failure = it->second.kind == NotificationKind::kWarning
                         || it->second.kind == NotificationKind::kCritical;
    if (delivered && digest.empty() && failure) {
      it->second.alone = true;
    }
    return true;
  }
  if (auto it = incident.follow_ups.find(alerter);
      it != incident.follow_ups.end() && it->second.transition_id == transition_id) {
    it->second.delivered = delivered;
    it->second.failed = !delivered;
    return true;
  }
  return false;
}

std::vector<Delivery> unsettled(const Incident& incident) {
  std::vector<Delivery> out;
  for (const auto& [name, told] : incident.alerters) {
    if (!told.settled()) {  // what a silence holds back waits for it (releaseSuppressed)
      out.push_back({name, told.kind, told.transition_id, ""});
    }
  }
  // Follow-ups after the state notifications: one lane per alerter keeps their order.
  for (const auto& [name, told] : incident.follow_ups) {
    if (!told.settled()) {
      out.push_back({name, told.kind, told.transition_id, ""});
    }
  }
  return out;
}

FollowUpPolicy followUpPolicyOf(const config::MonitorSpec* spec,
                                const std::map<std::string, common::Nanos>& alerter_reminders) {
  FollowUpPolicy p;
  p.alerter_reminders = alerter_reminders;
  if (spec != nullptr) {
    p.reminder_interval = spec->reminder_interval;
    p.escalation = spec->escalation;
  }
  return p;
}

namespace {

std::optional<common::Nanos> reminderInterval(const FollowUpPolicy& policy,
                                              const std::string& alerter) {
  if (policy.reminder_interval) {
    return policy.reminder_interval;
  }
  auto it = policy.alerter_reminders.find(alerter);
  if (it != policy.alerter_reminders.end()) {
    return it->second;
  }
  return std::nullopt;
}

// The alerter's last follow-up is still being delivered (or retried): a reminder now would
// only queue behind it. Its settling schedules the next one (the dispatcher).
bool followUpPending(const Incident& incident, const std::string& alerter) {
  auto it = incident.follow_ups.find(alerter);
  return it != incident.follow_ups.end() && !it->second.settled();
}

common::SystemTime lastTold(const Incident& incident, const Told& told) {
  return told.at != common::SystemTime{} ? told.at : incident.opened;
}

// t + d, or the end of time: times come from etcd (untrusted) and must not overflow.
common::SystemTime later(common::SystemTime t, common::Nanos d) {
  const auto step = std::chrono::duration_cast<common::SystemTime::duration>(d);
  return t > common::SystemTime::max() - step ? common::SystemTime::max() : t + step;
}

common::SystemTime stepDue(const Incident& incident, const config::EscalationStep& step) {
  return later(incident.opened, step.after);
}

}  // namespace

IncidentStep followUp(Incident inc, const FollowUpPolicy& policy, const std::string& member_id,
                      common::SystemTime now, const std::string& silenced_by, bool quiet_after) {
  IncidentStep step;
  if (inc.resolved()) {
    step.incident = std::move(inc);
    return step;
  }
  const std::string base = inc.check + "/" + inc.id + "/";
  const bool silenced = !silenced_by.empty();
  // A follow-up (ack, reminder) to one alerter, or dropped while silenced.
  auto follow = [&](const std::string& name, NotificationKind kind, const std::string& tid) {
    if (silenced) {
      step.dropped++;
      return;
    }
    inc.follow_ups[name] = Told{kind, tid, false, false};
    step.deliveries.push_back({name, kind, tid, ""});
  };

  if (inc.ack && !inc.ack->announced) {
    inc.ack->announced = true;
    step.changed = true;
    if (inc.ack->activeAt(now)) {
      const std::string tid = base + "ack/" + std::to_string(inc.ack->n);
      for (const auto& [name, told] : inc.alerters) {
        if (told.toldFailure() && told.digest.empty()) {  // a storm's digest: no follow-ups
          follow(name, NotificationKind::kAck, tid);
        }
      }
    }
  }
  if (!inc.ackedAt(now)) {
    const NotificationKind failing = kindFor(inc.status);
    for (const auto& esc : policy.escalation) {
      if (esc.after <= inc.escalated) {
        continue;  // fired already
      }
      if (now < stepDue(inc, esc)) {
        break;  // sorted by `after`
      }
      inc.escalated = esc.after;
      step.changed = true;
      const std::string tid = base + "escalation/" + common::formatDuration(esc.after);
      for (const auto& name : esc.alerters) {
        Told& told = inc.alerters[name];
        if (told.toldFailure()) {
          continue;  // it knows already
        }
        if (silenced) {
          told.suppressed = Suppressed{failing, tid, silenced_by, quiet_after};
          step.suppressed.push_back({name, failing, tid, ""});
          continue;
        }
        const int reminders = told.reminders;
        told = Told{failing, tid, false, false};
        told.reminders = reminders;
        told.at = now;
        step.deliveries.push_back({name, failing, tid, ""});
      }
    }
    for (auto& [name, told] : inc.alerters) {
      auto every = reminderInterval(policy, name);
      if (!told.toldFailure() || !told.digest.empty() || !every || followUpPending(inc, name)
          || now < later(lastTold(inc, told), *every)) {
        continue;
      }
      if (told.reminders == std::numeric_limits<int>::max()) {
        continue;
      }
      told.reminders++;
      told.at = now;
      step.changed = true;
      follow(name, NotificationKind::kReminder,
             base + "reminder/" + std::to_string(told.reminders));
    }
  }
  if (step.changed) {
    inc.owner = member_id;
    inc.updated = now;
  }
  step.incident = std::move(inc);
  return step;
}

std::optional<common::SystemTime> nextFollowUp(const Incident& inc, const FollowUpPolicy& policy,
                                               common::SystemTime now) {
  if (inc.resolved()) {
    return std::nullopt;
  }
  if (inc.ack && !inc.ack->announced) {
    return now;
  }
  if (inc.ackedAt(now)) {
    return inc.ack->expires;  // then reminders and escalation go on (nullopt: never)
  }
  std::optional<common::SystemTime> next;
  auto earliest = [&next](common::SystemTime t) {
    if (!next || t < *next) {
      next = t;
    }
  };
  for (const auto& esc : policy.escalation) {
    if (esc.after > inc.escalated) {
      earliest(stepDue(inc, esc));
      break;
    }
  }
  for (const auto& [name, told] : inc.alerters) {
    auto every = reminderInterval(policy, name);
    if (every && told.toldFailure() && told.digest.empty() && !followUpPending(inc, name)
        && told.reminders < std::numeric_limits<int>::max()) {
      earliest(later(lastTold(inc, told), *every));
    }
  }
  return next;
}

FollowUpId followUpOf(std::string_view tid) {
  const size_t last = tid.rfind('/');
  if (last == std::string_view::npos || last == 0) {
    return {};
  }
  const size_t before = tid.rfind('/', last - 1);
  if (before == std::string_view::npos) {
    return {};
  }
  const std::string_view what = tid.substr(before + 1, last - before - 1);
  const std::string_view arg = tid.substr(last + 1);
  if (what == "escalation") {
    return arg.empty() ? FollowUpId{} : FollowUpId{"escalation", 0, std::string(arg)};
  }
  if (what != "reminder" && what != "ack" && what != "flapping" && what != "flapping-stopped") {
    return {};
  }
  int n = 0;
  for (char c : arg) {
    if (c < '0' || c > '9' || n > 100'000'000) {
      return {};
    }
    n = n * 10 + (c - '0');
  }
  return {std::string(what), n, std::string(arg)};
}

}  // namespace ninevolt::alerts
