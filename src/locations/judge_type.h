#pragma once

// What the engine runs for a monitor with `locations` (docs/locations.md): on each location's
// member a replica (the monitor itself under the name `<check>@<location>`), and on one of them
// the check's judge (an internal check type, `location-judge`, under the check's own name),
// which combines the replicas' states by the monitor's quorum.

#include <string>
#include <string_view>

#include "config/locations.h"
#include "config/spec.h"

namespace ninevolt::locations {

inline constexpr std::string_view kJudgeType = "location-judge";

// The judge's options: whose replicas, where, and the quorum as written.
struct JudgeOptions : config::TypeOptions {
  std::string check;
  config::LocationList locations;
  int failing = 0;    // failing-locations (0 = default)
  int recovered = 0;  // recovered-locations (0 = default)
  std::string member_tag;
};

// Not among config::checkTypes(): no monitor can be written with it.
const config::CheckTypeDef& judgeTypeDef();

// The judge's spec for `monitor` (which has locations): its name, interval and flap limits,
// thresholds 0 (the judge's result is the combined state itself: CRITICAL, WARNING or OK),
// and the monitor's fingerprint, so an unchanged monitor leaves the running judge alone.
config::SharedMonitor judgeSpecOf(const config::MonitorSpec& monitor);
// A replica's spec: the monitor as it is, named `replica`.
config::SharedMonitor replicaSpecOf(const config::MonitorSpec& monitor, std::string replica);

}  // namespace ninevolt::locations
