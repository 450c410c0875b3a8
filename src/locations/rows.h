#pragma once

// A check's locations as its judge and the API see them (pure; docs/locations.md): one row per
// location it should run from, what the replica there last wrote, and whether that counts.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/result.h"
#include "config/locations.h"
#include "store/check_state.h"

namespace ninevolt::locations {

// A live member as the rows need it.
struct Site {
  std::string location;
  std::vector<std::string> tags;
  bool degraded = false;  // its canaries fail: what it writes counts for nothing
};
using Sites = std::map<std::string, Site, std::less<>>;  // member id -> its site

// What a replica last wrote (its state key), kept compact: thousands are held per member.
struct ReplicaState {
  std::string owner;
  std::string status;  // ok | warning | critical
  std::string result;  // the last run's
  int64_t count = 0;
  std::string message;  // cut to kMaxMessage bytes
  std::string date;
  std::optional<double> duration_ms;
  static constexpr size_t kMaxMessage = 512;
  static ReplicaState of(const store::CheckStateRecord& record);
};
using ReplicaStates = std::map<std::string, ReplicaState, std::less<>>;  // by location

struct LocationRow {
  std::string location;
  config::LocationStatus status = config::LocationStatus::kUnknown;
  std::string member;  // who runs it ("" when nobody does)
  std::string why;     // for kUnknown: why it counts for nothing
  // Unknown for now only: no result yet, or its member went and the next one has none yet.
  bool pending = false;
  std::optional<ReplicaState> state;
};

// The locations of a check: the listed ones, or with `all` every location with a live member
// eligible for `member_tag` (tagged: a member with the tag; untagged: any member).
std::vector<std::string> expectedLocations(const config::LocationList& list,
                                           std::string_view member_tag, const Sites& sites);

// A row per expected location. A replica counts when its state was written by a live member of
// that location; else it is unknown (no live member there, its member is gone, or no result
// yet): never failing, never passing.
std::vector<LocationRow> locationRows(const config::LocationList& list, std::string_view member_tag,
                                      const Sites& sites, const ReplicaStates& states);

config::QuorumCount countOf(const std::vector<LocationRow>& rows);

// "2 of 3 locations failing (2 raise it, 2 clear it): eu-west critical on m1: refused; ..."
std::string summaryOf(const std::vector<LocationRow>& rows, config::Quorum quorum);

// The judge's verdict: CRITICAL / WARNING / OK by the quorum, its message the summary; when
// the quorum neither raises nor clears it, the state stays: `last` (what the judge said last,
// nullopt before its first verdict) when OK, else no verdict (checks/result.h). An OK that
// would change nothing but the message waits (no verdict) while a row is pending: at a start
// or a move every replica's first result would otherwise rewrite the check's state once more
// (10,000 checks x 3 locations: a backlog of 20,000 cosmetic writes).
checks::CheckResult judgeResult(const std::vector<LocationRow>& rows, config::Quorum quorum,
                                std::optional<int> last);

}  // namespace ninevolt::locations
