#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "state/state_machine.h"

namespace ninevolt::cluster {

// How the cluster's own alerts (cluster_alarms.h, no_director.h) reach the alert dispatcher:
// its entry points, callable from any thread, cheap.
struct AlarmHooks {
  std::function<void(const std::string&, const state::Transition&)> transition;
  std::function<void(std::vector<std::string>, std::map<std::string, state::Seed>)> adopt;
  std::function<void(const std::string&)> release;

  // A cluster alert starts (ok -> critical) or ends, with `message`, as of now.
  void raise(const std::string& name, const std::string& message) const {
    transition(name, state::Transition{.from = state::CheckState::kOk,
                                       .to = state::CheckState::kCritical,
                                       .count = 1,
                                       .result = now(checks::CheckResult::critical(message))});
  }
  void clear(const std::string& name, const std::string& message) const {
    transition(name, state::Transition{.from = state::CheckState::kCritical,
                                       .to = state::CheckState::kOk,
                                       .count = 0,
                                       .result = now(checks::CheckResult::ok(message))});
  }

 private:
  static checks::CheckResult now(checks::CheckResult r) {
    r.time = std::chrono::system_clock::now();
    return r;
  }
};

}  // namespace ninevolt::cluster
