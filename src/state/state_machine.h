#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "checks/result.h"

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
};

// A change of state, emitted once when it happens.
struct Transition {
  CheckState from = CheckState::kOk;
  CheckState to = CheckState::kOk;
  int count = 0;               // consecutive non-OK results when it happened (0 on recovery)
  checks::CheckResult result;  // the result that caused it
};

// The per-check state machine of the original 9volt, corrected:
// - an OK result resets the count and returns to OK;
// - any other result adds one to the count; count >= critical -> CRITICAL, else
//   count >= warning -> WARNING, else the state stays; both thresholds 0 -> the first
//   failure is CRITICAL;
// - a WARNING-level result (e.g. a certificate about to expire) leads at most to WARNING;
//   UNKNOWN (9volt could not run the check) counts as a failure like CRITICAL.
// Not thread-safe: owned by one engine loop.
class StateMachine {
 public:
  explicit StateMachine(Thresholds thresholds, Seed seed = {});

  // Applies one result; returns the transition if the state changed.
  std::optional<Transition> apply(const checks::CheckResult& result);

  void setThresholds(Thresholds thresholds) { thresholds_ = thresholds; }
  // The count past which further failures change nothing but the count itself: no state
  // changes beyond it (at least 1: with both thresholds 0 the first failure is CRITICAL).
  int settledCount() const;
  CheckState state() const { return state_; }
  int count() const { return count_; }
  Seed seed() const { return {state_, count_}; }

 private:
  Thresholds thresholds_;
  CheckState state_;
  int count_;
};

}  // namespace ninevolt::state
