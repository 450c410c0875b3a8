#pragma once

// A check's state as its owner writes it (/9volt/state/<check>): what the next owner
// continues from, and what GET /api/v1/state and the stream show. The original 9volt's
// fields (check, owner, status, count, message, date) plus result and duration_ms. Written
// by cluster::StatePublisher, read by the manager (seeds, last runs), the API and the stream:
// all through this one type.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/result.h"

namespace ninevolt::store {

struct CheckStateRecord {
  std::string check;
  std::string owner;
  std::string status;  // "ok" | "warning" | "critical": what alerts follow
  std::string result;  // the last run's: "ok" | "warning" | "critical" | "unknown" (or "")
  int64_t count = 0;   // consecutive non-OK results
  std::string message;
  std::string date;  // RFC 3339, when the last run started (as written: may not parse)
  std::optional<double> duration_ms;
  // The states of its last runs as of `date`, oldest first (state::FlapHistory::text: "" =
  // `status` throughout), and whether it is flapping: flap detection goes on from them.
  std::string history;
  bool flapping = false;

  // date as a time, when it is one.
  std::optional<common::SystemTime> time() const;

  // Fields left empty by the writer are left out ("result", "duration_ms", "history",
  // "flapping" when false).
  nlohmann::json toJson() const;
  // Never throws: status must be ok/warning/critical; check, owner, message, date, result
  // strings; count an integer >= 0; duration_ms a number; history letters o, w, c (at most
  // 64); flapping a boolean. Other fields are ignored.
  static Result<CheckStateRecord> fromJson(const nlohmann::json& j);
};

// The stored text, and the reading of a stored value (untrusted: see untrusted.h).
std::string checkStateText(const CheckStateRecord& record);
Result<CheckStateRecord> decodeState(std::string_view text);

}  // namespace ninevolt::store
