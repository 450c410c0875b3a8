#pragma once

// `depends-on`: a monitor's parents (docs/alerting.md "Dependencies"). While a parent is
// WARNING or CRITICAL the child's alerts are held. Checked across objects, like alerter
// references: every parent must exist, and no chain of parents may lead back to a monitor
// (a cycle is reported with its path).

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/problems.h"

namespace ninevolt::config {

// The names a monitor's value lists under `depends-on` (strings only: parseMonitor reports
// the rest). Works on any value, as written.
std::vector<std::string> dependsOnOf(const nlohmann::json& value);

// Checks `checked` (names of monitors being written) against the whole graph: monitor name
// -> its parents (stored monitors, with the ones being written in place of theirs). One
// problem per unknown parent ("monitor 'app': depends-on: unknown monitor 'db1' (did you
// mean 'db'?)") and one per cycle through a checked monitor ("depends-on: a cycle: app ->
// db -> app").
Problems checkDependencies(const std::map<std::string, std::vector<std::string>>& graph,
                           const std::set<std::string>& checked);

}  // namespace ninevolt::config
