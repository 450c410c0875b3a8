#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/duration.h"

namespace ninevolt::checks {

using common::Nanos;

// Severity of one run. Ordered: a worse status compares greater (used for "worst result").
enum class Status { kOk = 0, kWarning = 1, kCritical = 2, kUnknown = 3 };
std::string_view statusName(Status status);  // "ok", "warning", "critical", "unknown"

// The outcome of one run of one check. A target that is down is a CheckResult (kCritical with a
// message saying what failed), never an error; a failure of 9volt itself (cannot spawn,
// cannot open a socket) is kUnknown.
struct CheckResult {
  Status status = Status::kOk;
  std::string message;
  Nanos duration{0};
  // Phase timings in the order they happened: "dns", "connect", "tls", "first_byte", ...
  std::vector<std::pair<std::string, Nanos>> phases;
  common::SystemTime time{};  // when the run started
  // Named numeric values (Nagios perfdata, http status, bytes read ...).
  std::map<std::string, double> values;

  static CheckResult ok(std::string message = "ok") { return {Status::kOk, std::move(message)}; }
  static CheckResult critical(std::string message) {
    return {Status::kCritical, std::move(message)};
  }
  static CheckResult warning(std::string message) { return {Status::kWarning, std::move(message)}; }
  static CheckResult unknown(std::string message) { return {Status::kUnknown, std::move(message)}; }
};

}  // namespace ninevolt::checks
