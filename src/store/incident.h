#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/duration.h"
#include "common/result.h"
#include "state/state_machine.h"

namespace ninevolt::store {

// What a notification says: the state a check entered, or its recovery; or a follow-up
// while an incident stays open: an operator acknowledged it, or it is still failing; or the
// check started or stopped flapping (state/flap.h).
enum class NotificationKind {
  kWarning,
  kCritical,
  kResolve,
  kAck,
  kReminder,
  kFlapping,
  kFlappingStopped,
  kDigest
};
// "warning" | "critical" | "resolve" | "ack" | "reminder" | "flapping" | "flapping-stopped" |
// "digest" (an alert storm's digest: alerts/storm.h; never a check's own notification)
const char* notificationKindName(NotificationKind kind);
std::optional<NotificationKind> parseNotificationKind(std::string_view name);

// A notification a silence held back instead of sending it (store/silence.h): sent once the
// silence is over if it is still true (a resolve: if the alerter had been told the failure).
struct Suppressed {
  NotificationKind kind = NotificationKind::kCritical;
  std::string transition_id;
  std::string by;      // the silence's id ("maintenance/<name>" for a window)
  bool quiet = false;  // a failure is not sent when it is over (notify-after: false)
};

// What one alerter has been told within an incident.
struct Told {
  NotificationKind kind = NotificationKind::kCritical;
  std::string transition_id;             // of that notification; the same on every (re)delivery. ""
                                         // when nothing was sent yet (only `suppressed`)
  bool delivered = false;                // the receiver accepted it
  bool failed = false;                   // given up (retries exhausted or not retryable)
  std::optional<Suppressed> suppressed;  // the newest notification a silence held back

  // Reminders sent in this incident (the n of the newest "<check>/<incident>/reminder/<n>"),
  // and when it was last told about the failure (the failure, or a reminder): the next
  // reminder is due a reminder interval after that. Epoch = not recorded (the incident's
  // `opened` stands for it).
  int reminders = 0;
  common::SystemTime at{};
  // The alert storm whose digest carried its failure instead of a message of its own
  // ("<storm number>" of this alerter's storm record, alerts/storm.h), or "": its resolve
  // goes to the same storm's digest; no reminders or ack announcements follow it. Kept
  // across the incident's transitions, set when the failure's delivery is settled.
  std::string digest;
  // A failure of this incident was sent to it on its own (not in a digest): its later
  // failures and its resolve go on their own too, even in a storm (a receiver that keys
  // incidents by check, like PagerDuty, must see the resolve). Kept like `digest`.
  bool alone = false;

  bool sent() const { return !transition_id.empty(); }
  // It was told a failure (warning or critical) and nothing since has ended it.
  bool toldFailure() const {
    return sent() && (kind == NotificationKind::kWarning || kind == NotificationKind::kCritical);
  }
  // Nothing of it is waiting for a delivery (what is suppressed waits for its silence).
  bool settled() const { return !sent() || delivered || failed; }
};

// An operator's acknowledgement of an open incident: "someone is on it". No reminders and no
// escalation while it holds; it ends with the incident, at `expires`, or when deleted.
struct Ack {
  std::string by;  // created-by (the API request's, or "ack link")
  std::string comment;
  common::SystemTime at{};
  std::optional<common::SystemTime> expires;
  int n = 0;               // acks of this incident so far: its announcements' transition id
  bool announced = false;  // the owner has recorded the announcements (kind ack) to send

  bool activeAt(common::SystemTime now) const { return !expires || now < *expires; }
};

// The check is flapping (state/flap.h): its state notifications are held back (recorded as
// suppressed by "flapping") until it stops.
struct Flapping {
  common::SystemTime since{};
  double percent = 0;  // of state changes when it started
};

// The durable alert state of one check: /9volt/incident/<check>, written by the check's
// owner BEFORE it sends anything (and after each delivery), so a new owner after a move
// or crash knows what was sent and resolves what the old owner opened. Written and read by
// the alert dispatcher (IncidentStore); the manager reads status, count and resolved of it
// to seed arriving checks (decodeIncident).
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
  std::optional<Ack> ack;
  // The `after` of the latest escalation step fired (0: none): steps are known by their
  // `after`, not their position, so editing a monitor's steps mid-incident neither skips one
  // nor fires one twice.
  common::Nanos escalated{0};
  // alerter name -> the newest follow-up (kind ack or reminder) it was sent; its delivery is
  // recorded here like a state notification's, so a new owner re-sends it unless settled.
  std::map<std::string, Told> follow_ups;
  // While flapping; and how many times it started flapping in this incident (the n of
  // "<check>/<incident>/flapping/<n>" and ".../flapping-stopped/<n>"). A check can flap while
  // OK: such an incident is kept, resolved, until flapping stops.
  std::optional<Flapping> flapping;
  int flaps = 0;

  bool resolved() const { return status == state::CheckState::kOk; }
  bool ackedAt(common::SystemTime now) const { return ack && ack->activeAt(now); }
  // Resolved, not flapping, and every resolve and follow-up delivered (or given up):
  // nothing left to remember.
  bool finished() const;
  nlohmann::json toJson() const;
  static Result<Incident> fromJson(const nlohmann::json& j);
};

// An incident key's value as etcd holds it (untrusted: anything may have written it).
Result<Incident> decodeIncident(std::string_view text);

}  // namespace ninevolt::store
