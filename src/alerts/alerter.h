#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/duration.h"
#include "common/result.h"
#include "config/spec.h"
#include "store/incident.h"

namespace ninevolt::alerts {

// What a notification says: the state a check entered, its recovery, or a follow-up (ack,
// reminder) of an open incident (kept in incidents, so store/incident.h defines it).
using store::NotificationKind;
using store::notificationKindName;

// What an alert storm's digest says (kind digest, alerts/storm.h): the state changes of many
// checks to one alerter, sent as one message instead of one each.
struct StormDigest {
  std::string alerter;
  int64_t storm = 0;  // the storm's number (per alerter)
  int64_t n = 0;      // this digest's number within the storm (1, 2, ...)
  // State changes in this digest: failures by level, and recoveries.
  int64_t critical = 0, warning = 0, recovered = 0;
  int64_t still_failing = 0;  // checks of the storm not recovered yet (0: it is over)
  // The first changes by name: check, status ("critical" | "warning" | "ok"); `more` not named.
  std::vector<std::pair<std::string, std::string>> checks;
  int64_t more = 0;
  int64_t threshold = 0;  // what made it a storm: more than `threshold` changes within `window`
  common::Nanos window{0};
};

// One message to one alerter about one state change of one check. Everything an alerter
// type needs to format its request; built by the dispatcher, never by the alerter.
struct Notification {
  NotificationKind kind = NotificationKind::kCritical;
  // Unique per transition of a check ("<check>/<transition id>"): the same transition
  // delivered again (retry, new owner) carries the same id, so receivers can dedupe.
  std::string transition_id;
  std::string check;            // monitor name
  std::string check_type;       // http | tcp | dns | exec
  std::string description;      // the monitor's description ("" if none)
  std::string target;           // what is checked, e.g. "GET https://host:443/path", "host:port"
  std::string status;           // state entered: "ok" | "warning" | "critical"
  std::string previous_status;  // state left
  int count = 0;                // consecutive failed runs (for a resolve: when it recovered)
  // As the original: "<TYPE> check '<name>' failure" / "... recovery"; "Check has entered
  // into <state> state after N checks" / "Check has recovered from <state> after N checks".
  std::string title;
  std::string text;
  std::string error;          // the failing result's message (for a resolve: the last failure's)
  std::string member_id;      // member that ran the check
  common::SystemTime time{};  // of the transition
  std::optional<common::SystemTime> failing_since;  // first failure of this incident
  std::string link;  // --external-url + the check's UI page; "" when not configured
  // A signed link that acknowledges this incident without an API token (--external-url;
  // failures, reminders and escalations of an incident not acknowledged yet), or "".
  std::string ack_link;
  // kind ack: who acknowledged it and why.
  std::string acked_by;
  std::string ack_comment;
  // kind digest: the storm's changes (`check` is then "storm/<alerter>/<storm>", which no
  // check can be named; `status` the worst of the storm's checks still failing, or ok).
  std::optional<StormDigest> storm;
};

// One configured alerter (an AlerterSpec made ready to send). deliver() makes ONE attempt
// and blocks the calling delivery thread for at most `timeout` (every network call has
// it); the dispatcher owns queuing, retries, backoff and ordering. Thread-safe: deliver()
// may be called concurrently from several delivery threads.
class Alerter {
 public:
  virtual ~Alerter() = default;
  // Ok when the receiver accepted it. Errors say what happened without secrets:
  // Errc::kInvalidArgument = retrying cannot help (4xx other than 408/429, Slack
  // invalid_auth/channel_not_found...), anything else = worth retrying.
  virtual Result<void> deliver(const Notification& n, std::chrono::milliseconds timeout) const = 0;
};

// Makes alerters of one type from a validated AlerterSpec (config::parseAlerter already
// checked options and applied defaults). Stateless or process-wide settings only.
class AlerterFactory {
 public:
  virtual ~AlerterFactory() = default;
  virtual Result<std::unique_ptr<Alerter>> create(const config::AlerterSpec& spec) const = 0;
};

// type name -> factory; filled from main (app), frozen before use.
class AlerterRegistry {
 public:
  void add(std::string type, std::unique_ptr<AlerterFactory> factory);
  void freeze() { frozen_ = true; }
  // Errc::kInvalidArgument naming the alerter and its type when the type is unknown.
  Result<std::unique_ptr<Alerter>> create(const config::AlerterSpec& spec) const;
  // The registered types, sorted ("email", "pagerduty", ...).
  std::vector<std::string> types() const;

 private:
  std::map<std::string, std::unique_ptr<AlerterFactory>> factories_;
  bool frozen_ = false;
};

}  // namespace ninevolt::alerts
