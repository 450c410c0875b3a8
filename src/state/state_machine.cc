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

StateMachine::StateMachine(Thresholds thresholds, Seed seed)
    : thresholds_(thresholds), state_(seed.state), count_(std::max(0, seed.count)) {}

int StateMachine::settledCount() const {
  return std::max({thresholds_.warning, thresholds_.critical, 1});
}

std::optional<Transition> StateMachine::apply(const checks::CheckResult& result) {
  const CheckState before = state_;
  if (result.status == checks::Status::kOk) {
    count_ = 0;
    state_ = CheckState::kOk;
  } else {
    count_++;
    CheckState level = state_;
    if (count_ >= thresholds_.critical) {
      level = CheckState::kCritical;
    } else if (count_ >= thresholds_.warning) {
      level = CheckState::kWarning;
    }
    if (result.status == checks::Status::kWarning && level == CheckState::kCritical) {
      level = CheckState::kWarning;
    }
    state_ = level;
  }
  if (state_ == before) {
    return std::nullopt;
  }
  return Transition{before, state_, count_, result};
}

}  // namespace ninevolt::state
