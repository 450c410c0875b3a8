#pragma once

// What every accepted monitor and alerter must satisfy, shared by the config fuzz targets.

#include <exception>
#include <set>
#include <string>

#include <fmt/format.h>

#include "common/yaml_json.h"
#include "config/spec.h"
#include "support/fuzz_util.h"

namespace ninevolt::fuzz {

// A parse that fails says why; one that succeeds has no problems.
inline void checkOutcome(bool parsed, const config::Problems& problems, std::string_view what) {
  check(parsed || !problems.empty(), "an object rejected without a problem", what);
  check(!parsed || problems.empty(), "an object accepted with problems", what);
  for (const auto& p : problems) {
    check(!p.message.empty(), "a problem without a message", what);
  }
}

// The documented bounds of a MonitorSpec (docs/configs.md), and the round trip every
// accepted monitor makes: written to etcd as JSON text (cfg and the API store spec.raw) and
// read back by the manager, it must parse again, to the same schedule.
inline void checkMonitor(const config::MonitorSpec& spec) {
  const std::string name = spec.name;
  check(spec.interval.count() > 0, "an accepted monitor with interval <= 0", name);
  check(spec.timeout.count() > 0, "an accepted monitor with timeout <= 0", name);
  check(spec.timeout <= spec.interval, "an accepted monitor with timeout > interval", name);
  const nlohmann::json effective = config::effectiveMonitor(spec);
  if (auto port = effective.find("port"); port != effective.end()) {
    check(port->is_number_integer() && *port >= 0 && *port <= 65535,
          "an accepted monitor with a port out of range", name);
  }
  check(spec.warning_threshold <= spec.critical_threshold,
        "an accepted monitor with warning-threshold > critical-threshold", name);
  std::string text;
  try {
    text = spec.raw.dump();
  } catch (const std::exception& e) {
    violated("an accepted monitor cannot be written as JSON", e.what());
  }
  auto back = common::parseJson(text);
  check(back.has_value(), "an accepted monitor's JSON does not parse again", text);
  config::Problems problems;
  auto again = config::parseMonitor(spec.name, *back, problems);
  check(again.has_value(), "an accepted monitor is rejected when read back from etcd",
        text + "\n" + (problems.empty() ? "" : problems.front().toString()));
  check(again->interval == spec.interval && again->timeout == spec.timeout
            && again->type == spec.type && config::effectiveMonitor(*again) == effective,
        "a monitor read back from etcd differs", text);
}

inline void checkAlerter(const config::AlerterSpec& spec) {
  std::string text;
  try {
    text = spec.raw.dump();
  } catch (const std::exception& e) {
    violated("an accepted alerter cannot be written as JSON", e.what());
  }
  auto back = common::parseJson(text);
  check(back.has_value(), "an accepted alerter's JSON does not parse again", text);
  config::Problems problems;
  auto again = config::parseAlerter(spec.name, *back, problems);
  check(again.has_value(), "an accepted alerter is rejected when read back from etcd", text);
  check(again->options == spec.options && again->type == spec.type,
        "an alerter read back from etcd differs", text);
}

// Parses every object of a document, checking each outcome and each accepted object.
inline void parseDocument(const nlohmann::json& root) {
  config::Problems doc_problems;
  auto doc = config::splitDocument(root, doc_problems);
  std::set<std::string> alerters;
  for (const auto& [name, value] : doc.alerters.items()) {
    config::Problems problems;
    auto a = config::parseAlerter(name, value, problems);
    checkOutcome(a.has_value(), problems, name);
    if (a) {
      checkAlerter(*a);
      alerters.insert(name);
    }
  }
  for (const auto& [name, value] : doc.monitors.items()) {
    config::Problems problems;
    auto m = config::parseMonitor(name, value, problems);
    checkOutcome(m.has_value(), problems, name);
    if (m) {
      checkMonitor(*m);
      config::checkAlerterReferences(*m, alerters);
    }
  }
}

}  // namespace ninevolt::fuzz
