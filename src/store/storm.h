#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/result.h"

namespace ninevolt::store {

// The state changes one digest carries (or will carry) of an alert storm (alerts/storm.h).
struct StormBatch {
  common::SystemTime first{};  // when its oldest change came in
  int64_t critical = 0, warning = 0, recovered = 0;
  // The first kMaxNamed changes: check, status ("critical" | "warning" | "ok"); `more`: the rest.
  std::vector<std::pair<std::string, std::string>> checks;
  int64_t more = 0;

  static constexpr size_t kMaxNamed = 25;
  int64_t changes() const { return critical + warning + recovered; }
  bool empty() const { return changes() == 0; }
};

// A digest recorded to send, before it is sent (like an incident's delivery): whoever finds it
// unsent after its sender died sends it again, under the same number.
struct StormOutbox {
  int64_t n = 0;  // the digest's number within its storm
  StormBatch batch;
  int64_t still_failing = 0;  // the storm's open checks after this batch
  std::string worst;          // "warning" | "critical": the worst level the storm reached
  std::string by;             // the member sending it
  common::SystemTime at{};    // since when (claimed again by another member if it died)
};

// One storm of an alerter: a run of failures that came faster than the storm threshold.
struct Storm {
  common::SystemTime since{};  // its first failure digested
  common::SystemTime last{};   // its latest failure digested
  int64_t open = 0;            // checks whose failure it carried, not recovered yet
  std::string worst = "warning";
  int64_t digests = 0;  // digests made (the n of the newest)
  StormBatch pending;   // changes waiting for the next digest
  std::optional<StormOutbox> outbox;
};

// /9volt/storm/<alerter>: the alert rate and storms of one alerter, shared by every member
// (each owner passes its checks' notifications through it: alerts/storm.h). Written with
// compare-and-swap on its revision (StormStore); bounded in size whatever the storm.
struct StormRecord {
  // Failures told to the alerter lately: start of a slot (unix ms; a slot is a twentieth of
  // the storm window) -> failures in it. Slots older than the window are dropped.
  std::map<int64_t, int64_t> recent;
  int64_t last_storm = 0;           // the newest storm's number (they count up from 1)
  std::map<int64_t, Storm> storms;  // storm number -> storm; at most kMaxStorms

  static constexpr size_t kMaxSlots = 64;
  static constexpr size_t kMaxStorms = 16;
  // Every count and number in a record is at most this (read from etcd: anything else is
  // refused), and stops there: sums of a few cannot overflow.
  static constexpr int64_t kTop = std::numeric_limits<int64_t>::max() / 4;

  nlohmann::json toJson() const;
  static Result<StormRecord> fromJson(const nlohmann::json& j);
};

// A storm key's value as etcd holds it (untrusted: anything may have written it).
Result<StormRecord> decodeStormRecord(std::string_view text);

}  // namespace ninevolt::store
