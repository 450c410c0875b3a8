#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ninevolt::bench {

// Receiver-side bookkeeping of the chaos run's alerts (docs/alerting.md): every webhook
// request the receivers got, judged against what the harness did to the targets.
// Pure functions of their inputs, in one clock (milliseconds of the harness).

struct Notification {
  int64_t at_ms = 0;
  std::string hook;        // which receiver (alerter) got it
  int answered = 0;        // the HTTP status the receiver answered (2xx = delivered)
  std::string check;       // body fields of the webhook's schema version 1
  std::string kind;        // warning | critical | resolve
  std::string transition;  // transition_id: the dedupe key
  std::string member;      // member_id: who sent it
  std::string error;
};

// A flipping check's target was down over [from_ms, to_ms).
struct DownPeriod {
  std::string check;
  int64_t from_ms = 0;
  int64_t to_ms = 0;
};

struct AlertRules {
  // hook -> the kinds it may get ("warning", "critical", "resolve"); every incident a hook
  // hears of ends with one resolve.
  std::map<std::string, std::set<std::string>> kinds;
  // hook -> whether a down period of at least min_down_ms must give it a critical
  std::set<std::string> critical_hooks;
  int64_t min_down_ms = 25000;
  int64_t grace_ms = 20000;  // a critical may arrive this long after its down period ended
};

struct Finding {
  int64_t at_ms = 0;
  // alert-redelivered (same transition id again), alert-sequence (a second trigger under
  // another id, a resolve without trigger), alert-lost, alert-unresolved, alert-unexplained
  std::string kind;
  std::string detail;
  bool violation = true;  // false: noted (documented behaviour, or the machine's noise)
};

struct AlertReport {
  size_t received = 0;                    // requests at the receivers
  size_t refused = 0;                     // answered non-2xx by the receiver (the sender retries)
  size_t delivered = 0;                   // answered 2xx
  size_t transitions = 0;                 // distinct (hook, transition id) delivered
  size_t redelivered = 0;                 // a transition delivered again (same id)
  size_t redelivered_in_kill_window = 0;  // of those: a member was killed -9 in between
  size_t down_periods_judged = 0;         // down periods long enough to require a critical
  std::map<std::string, size_t> by_kind;  // delivered, deduplicated, by kind
  std::vector<Finding> findings;

  size_t violations() const;
  nlohmann::json toJson() const;
};

// kills_ms: when members were killed with -9 (the one documented window for a repeat: a
// member killed after the receiver accepted and before the member recorded it).
// `end_ms`: when the run stopped disturbing and brought every target up; every incident
// must have been resolved by the time this is called.
AlertReport analyseAlerts(const std::vector<Notification>& received,
                          const std::vector<DownPeriod>& downs,
                          const std::vector<int64_t>& kills_ms, const AlertRules& rules);

}  // namespace ninevolt::bench
