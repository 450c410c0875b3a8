#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/result.h"

namespace ninevolt::store {

// Event severities: the original 9volt's `type` field ("info", "warning", "error"), which
// `GET /api/v1/event?type=error,warning` filters on.
inline constexpr const char* kEventInfo = "info";
inline constexpr const char* kEventWarning = "warning";
inline constexpr const char* kEventError = "error";

// What happened (the `kind` field, new here); a filter may name kinds as well as types.
namespace event_kind {
inline constexpr const char* kMemberJoined = "member-joined";
inline constexpr const char* kMemberLeft = "member-left";
inline constexpr const char* kDirectorChanged = "director-changed";
inline constexpr const char* kCheckOrphaned = "check-orphaned";
inline constexpr const char* kCheckPlaced = "check-placed";
inline constexpr const char* kConfigRejected = "config-rejected";
inline constexpr const char* kEtcdLost = "etcd-lost";
inline constexpr const char* kEtcdRestored = "etcd-restored";
inline constexpr const char* kEtcdAlarm = "etcd-alarm";  // NOSPACE, CORRUPT, no leader
inline constexpr const char* kAlert = "alert";           // an alert given up, unknown alerter, ...
inline constexpr const char* kAlertSuppressed = "alert-suppressed";  // held back by a silence
inline constexpr const char* kAlertAcked = "alert-acked";          // an operator acked an incident
inline constexpr const char* kAlertReminder = "alert-reminder";    // an open incident re-alerted
inline constexpr const char* kAlertEscalated = "alert-escalated";  // an escalation step fired
inline constexpr const char* kAlertFlapping =
    "alert-flapping";                                        // a check started or stopped flapping
inline constexpr const char* kAlertDigest = "alert-digest";  // an alert storm's digest sent
inline constexpr const char* kMemberDegraded = "member-degraded";  // its canaries all fail
inline constexpr const char* kMemberRestored = "member-restored";  // a canary passes again
inline constexpr const char* kWatchdog = "watchdog";       // the watchdog URL fails / works again
inline constexpr const char* kCheckState = "check-state";  // a check's state changed
}  // namespace event_kind

// One entry of the cluster event log, /9volt/event/<time>-<member>-<seq>. JSON:
//   {"type":"warning","kind":"check-orphaned","message":"...",
//    "timestamp":"2026-11-25T10:04:05.123456Z","memberid":"3f1c0a2b","check":"web"}
// type/message/timestamp/memberid are the original's fields (same names and meaning);
// kind, check and member are added and left out when empty.
struct Event {
  std::string type = kEventInfo;
  std::string kind;
  std::string message;
  common::SystemTime time{};  // when it happened (not when it reached etcd)
  std::string member_id;      // the member that recorded it
  std::string check;          // the check it is about, if any
  std::string member;         // the member it is about, if any (joined, left, new director)

  nlohmann::json toJson() const;
  // Accepts the original's events too (no kind; timestamp with a zone offset). Never
  // throws: a field of the wrong type is an error naming it.
  static Result<Event> fromJson(const nlohmann::json& j);
};

// An event as stored (JSON text that never fails to write: strings that are not UTF-8
// become U+FFFD), and back ("not JSON: ..." and the like when it is not an event).
std::string eventText(const Event& event);
Result<Event> decodeEvent(std::string_view text);

struct StoredEvent {
  std::string key;
  Event event;
};

// What listEvents returns: the newest `limit` events (0 = all) recorded at or after `since`
// whose type or kind is one of `types` (empty = any), newest first.
struct EventFilter {
  std::vector<std::string> types;
  std::optional<common::SystemTime> since;
  size_t limit = 0;

  bool matches(const Event& event) const;
};

// The shared event retention lease as recorded at Keys::eventLease().
struct EventLeaseRecord {
  int64_t id = 0;
  int64_t ttl_seconds = 0;  // granted TTL
  std::string granted;      // RFC 3339, for people reading etcd
  int64_t mod_revision = 0;

  nlohmann::json toJson() const;
  static Result<EventLeaseRecord> fromJson(const nlohmann::json& j);
};

}  // namespace ninevolt::store
