#pragma once

// A monitor's `locations` (docs/locations.md): which locations run it, and how many of them
// must fail to raise it and pass to clear it. Read by parseMonitor (config/monitor.cc); the
// names of the per-location replicas the director places; the quorum rule the judge applies.

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/values.h"

namespace ninevolt::config {

struct LocationList {
  bool all = false;                // `locations: all`: every location a live member has
  std::vector<std::string> names;  // as listed (unique, valid names), when not `all`
  bool any() const { return all || !names.empty(); }
  // Whether a replica in `location` belongs to a check with this list (`all`: any).
  bool includes(std::string_view location) const {
    return all || std::find(names.begin(), names.end(), location) != names.end();
  }
  bool operator==(const LocationList&) const = default;
};

inline constexpr size_t kMaxLocations = 64;

// `locations`: "all", or a list of 1..64 distinct location names (a location is named like a
// monitor; "all" is not a location). Problems are named "locations" / "locations[2]".
std::optional<LocationList> readLocations(const nlohmann::json& value, detail::ProblemSink& sink);
nlohmann::json locationsJson(const LocationList& list);
// What placement reads of a stored value without parsing the monitor (the director): an
// empty list when the field is absent or not valid (the owner's parse rejects it then).
LocationList placementLocations(const nlohmann::json& monitor_value);

// How many locations must fail to raise a check run from `total` of them, and how many must
// pass to clear it. `failing`/`recovered` are the monitor's fields (0 = unset). Defaults:
// more than half fail; enough pass that fewer than `failing` fail (total - failing + 1).
// Written values larger than `total` (with `locations: all`, the live locations) are capped
// at it.
struct Quorum {
  int failing = 1;
  int recovered = 1;
};
Quorum quorumOf(int failing, int recovered, int total);

// The combined state of a check from its locations' states (the judge): raised to CRITICAL
// when at least quorum.failing are CRITICAL, to WARNING when at least that many are WARNING or
// worse; cleared (OK) when at least quorum.recovered are OK and it is not raised; otherwise it
// stays as it is (`current`). Unknown locations (no live member, no state yet) count for
// nothing.
enum class LocationStatus { kOk, kWarning, kCritical, kUnknown };
struct QuorumCount {
  int ok = 0;
  int warning = 0;  // WARNING only
  int critical = 0;
  int unknown = 0;
  int total() const { return ok + warning + critical + unknown; }
};
// 0 ok, 1 warning, 2 critical (state::CheckState's values; config does not depend on state).
int judgeQuorum(const QuorumCount& count, Quorum quorum, int current);

// A replica's name: the check's name, '@', the location ("" for members without one). '@' is
// in no valid name, so a replica's name is never a monitor's.
std::string replicaName(std::string_view check, std::string_view location);
struct ReplicaOf {
  std::string_view check;
  std::string_view location;
};
// nullopt when `name` is no replica's (no '@', or a part that is not a valid name).
std::optional<ReplicaOf> splitReplica(std::string_view name);
// A location name: "" (none) or a valid name other than "all".
bool validLocation(std::string_view location);

}  // namespace ninevolt::config
