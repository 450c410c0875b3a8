#pragma once

// Maintenance windows: `maintenance:` objects in the cfg YAML (docs/configs.md), stored at
// /9volt/maintenance/<name> like monitors and alerters. A window holds back the notifications
// of the checks it matches while it is open, as a silence does (docs/alerting.md), once
// (`starts`/`ends`) or on a schedule: `schedule` in cron syntax, or `weekdays` and `at`, each
// opening for `duration`, in `timezone` (an IANA name, read from the system tz database).
// Every member computes the same windows: they depend only on the spec, the time and that
// database.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <cctz/time_zone.h>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/duration.h"
#include "config/cron.h"
#include "config/problems.h"

namespace ninevolt::config {

struct MaintenanceWindow {
  common::SystemTime start;
  common::SystemTime end;
};

struct MaintenanceSpec {
  std::string name;
  std::string description;
  // What it covers, as a silence: every matcher given must match (at least one is given).
  std::string check;  // a name or a glob
  std::vector<std::string> tags;
  std::string type;
  std::string member_tag;
  // Once: [starts, ends).
  std::optional<common::SystemTime> starts;
  std::optional<common::SystemTime> ends;
  // Or on a schedule: each time it fires (a local time in `zone`), for `duration`.
  std::optional<CronSchedule> schedule;
  common::Nanos duration{0};
  std::string timezone = "UTC";
  cctz::time_zone zone;
  // When it closes and a check is still failing, alert it then (false: say nothing).
  bool notify_after = true;

  // The window open at t, if any (the latest one that started, when they overlap).
  std::optional<MaintenanceWindow> windowAt(common::SystemTime t) const;
  // The next time after t that a window opens or the open one closes (nullopt: none within
  // about four years).
  std::optional<common::SystemTime> nextChange(common::SystemTime t) const;

  static constexpr std::chrono::hours kMaxDuration{24 * 31};  // of one recurring window
  static constexpr std::chrono::hours kMaxOnce{24 * 366};     // ends - starts
};

// Every problem at once, path-qualified ("maintenance 'backup': schedule: ..."); nullopt
// when there is any.
std::optional<MaintenanceSpec> parseMaintenance(std::string_view name, const nlohmann::json& value,
                                                Problems& problems);

}  // namespace ninevolt::config
