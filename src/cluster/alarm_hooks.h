#pragma once

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
};

}  // namespace ninevolt::cluster
