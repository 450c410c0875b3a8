#include "state/state_machine.h"

#include <algorithm>

namespace ninevolt::state {

std::string_view stateName(CheckState state) {
  switch (state) {
    case CheckState::kOk:
      return "ok";
    case CheckState::kWarning:
      return "warning";
    case CheckState::kCritical:
      return "critical";
  }
  return "ok";
}

std::optional<CheckState> parseStateName(std::string_view name) {
  if (name == "ok") {
    return CheckState::kOk;
  }
  if (name == "warning") {
    return CheckState::kWarning;
  }
  if (name == "critical") {
    return CheckState::kCritical;
  }
  return std::nullopt;
}

Seed seedAsOf(Seed seed, common::SystemTime now, common::Nanos interval) {
  if (!seed.history || seed.history_at == common::SystemTime{} || interval.count() <= 0
      || now <= seed.history_at) {
    return seed;
  }
  // history_at comes from etcd (any year RFC 3339 allows): never subtract across centuries.
  const auto runs = seed.history_at < now - std::chrono::hours(24 * 365 * 100)
                        ? int64_t{FlapHistory::kRuns}
                        : (now - seed.history_at) / interval;
  for (int64_t i = 0; i < std::min<int64_t>(runs, FlapHistory::kRuns); ++i) {
    seed.history->push(seed.state);
  }
  seed.history_at = now;
  return seed;
}

StateMachine::StateMachine(Thresholds thresholds, Seed seed, FlapLimits flap)
    : thresholds_(thresholds),
      flap_limits_(flap),
      history_(seed.history.value_or(FlapHistory(seed.state))),
      state_(seed.state),
      flapping_(seed.flapping),
      count_(std::max(0, seed.count)) {}

int StateMachine::settledCount() const {
  return std::max({thresholds_.warning, thresholds_.critical, 1});
}

CheckState StateMachine::levelAfter(const checks::CheckResult& result, int count) const {
  if (result.status == checks::Status::kOk) {
    return CheckState::kOk;
  }
  CheckState level = state_;
  if (count >= thresholds_.critical) {
    level = CheckState::kCritical;
  } else if (count >= thresholds_.warning) {
    level = CheckState::kWarning;
  }
  if (result.status == checks::Status::kWarning && level == CheckState::kCritical) {
    level = CheckState::kWarning;
  }
  return level;
}

bool StateMachine::wouldEnterCritical(const checks::CheckResult& result) const {
  return state_ != CheckState::kCritical
         && levelAfter(result, result.status == checks::Status::kOk ? 0 : count_ + 1)
                == CheckState::kCritical;
}

std::optional<Transition> StateMachine::apply(const checks::CheckResult& result) {
  return applyAs(result, false);
}

std::optional<Transition> StateMachine::applyHeld(const checks::CheckResult& result) {
  return applyAs(result, true);
}

std::optional<Transition> StateMachine::applyAs(const checks::CheckResult& result, bool held) {
  const CheckState before = state_;
  if (result.status == checks::Status::kOk) {
    count_ = 0;
    state_ = CheckState::kOk;
  } else {
    count_++;
    const CheckState level = levelAfter(result, count_);
    state_ = held && level > state_ ? state_ : level;
  }
  history_.push(state_);
  FlapChange flap = FlapChange::kNone;
  double percent = 0;
  if (flap_limits_.enabled || flapping_) {
    percent = history_.percent();
    const bool now_flapping = flappingAfter(flapping_, percent, flap_limits_);
    if (now_flapping != flapping_) {
      flap = now_flapping ? FlapChange::kStarted : FlapChange::kStopped;
      flapping_ = now_flapping;
    }
  }
  if (state_ == before && flap == FlapChange::kNone) {
    return std::nullopt;
  }
  return Transition{before, state_, count_, result, flap, percent, flapping_};
}

}  // namespace ninevolt::state
