#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "checks/result.h"
#include "common/clock.h"
#include "common/duration.h"
#include "state/flap.h"

namespace ninevolt::state {

// What a check's owner believes about its target (what alerts are about).
enum class CheckState { kOk = 0, kWarning = 1, kCritical = 2 };
std::string_view stateName(CheckState state);  // "ok" | "warning" | "critical"
std::optional<CheckState> parseStateName(std::string_view name);

struct Thresholds {
  int warning = 0;
  int critical = 0;
};

// Where a check's state continues from, e.g. what the previous owner left in etcd when the
// check moves between members, so thresholds and later resolves carry on.
struct Seed {
  CheckState state = CheckState::kOk;
  int count = 0;  // consecutive non-OK results
  // The states of its last runs and whether it was flapping (flap.h), as of `history_at`
  // (the runs since then, up to a history's length, had `state`: the owner writes the state
  // key when the state changes). nullopt: `state` throughout.
  std::optional<FlapHistory> history;
  common::SystemTime history_at{};
  bool flapping = false;
};

// The seed as of `now` for a check run every `interval`: its history goes on with `state`
// for each run due since `history_at` (at most a history's length). A gap in which no member
// ran the check counts as runs in that state too: it can only end flapping sooner, never
// make a check flap.
Seed seedAsOf(Seed seed, common::SystemTime now, common::Nanos interval);

enum class FlapChange { kNone, kStarted, kStopped };

// A change of state, emitted once when it happens.
struct Transition {
  CheckState from = CheckState::kOk;
  CheckState to = CheckState::kOk;
  int count = 0;               // consecutive non-OK results when it happened (0 on recovery)
  checks::CheckResult result;  // the result that caused it
  // The run also started or stopped flapping (from == to when only that changed), and the
  // percent of state changes after it.
  FlapChange flap = FlapChange::kNone;
  double flap_percent = 0;
  bool flapping = false;  // after this run

  bool stateChanged() const { return from != to; }
};

// The per-check state machine of the original 9volt, corrected:
// - an OK result resets the count and returns to OK;
// - any other result adds one to the count; count >= critical -> CRITICAL, else
//   count >= warning -> WARNING, else the state stays; both thresholds 0 -> the first
//   failure is CRITICAL;
// - a WARNING-level result (e.g. a certificate about to expire) leads at most to WARNING;
//   UNKNOWN (9volt could not run the check) counts as a failure like CRITICAL.
// - each run's state goes into a FlapHistory; the check flaps by its FlapLimits (flap.h).
// Not thread-safe: owned by one engine loop.
class StateMachine {
 public:
  explicit StateMachine(Thresholds thresholds, Seed seed = {}, FlapLimits flap = {});

  // Applies one result; returns the transition if the state changed, or the check started
  // or stopped flapping.
  std::optional<Transition> apply(const checks::CheckResult& result);
  // Whether apply(result) would raise the state to CRITICAL (from OK or WARNING).
  bool wouldEnterCritical(const checks::CheckResult& result) const;
  // apply(), except that the state does not rise: the failure counts and pages nobody (a
  // `confirm` check whose failure another member did not confirm).
  std::optional<Transition> applyHeld(const checks::CheckResult& result);

  void setThresholds(Thresholds thresholds) { thresholds_ = thresholds; }
  // Takes effect with the next run (disabled: a flapping check stops then).
  void setFlapLimits(FlapLimits limits) { flap_limits_ = limits; }
  // The count past which further failures change nothing but the count itself: no state
  // changes beyond it (at least 1: with both thresholds 0 the first failure is CRITICAL).
  int settledCount() const;
  CheckState state() const { return state_; }
  int count() const { return count_; }
  bool flapping() const { return flapping_; }
  const FlapHistory& history() const { return history_; }

 private:
  CheckState levelAfter(const checks::CheckResult& result, int count) const;
  std::optional<Transition> applyAs(const checks::CheckResult& result, bool held);
  Thresholds thresholds_;
  FlapLimits flap_limits_;
  FlapHistory history_;
  CheckState state_;
  bool flapping_;
  int count_;
};

}  // namespace ninevolt::state
