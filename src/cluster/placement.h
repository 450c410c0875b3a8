#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "store/assignment_shard.h"

namespace ninevolt::cluster {

// What placement needs to know of a member and of a check.
struct MemberView {
  std::string id;
  std::vector<std::string> tags;
  std::string location;   // --location ("" = none)
  bool leaving = false;   // its record says it is leaving (a clean stop): not lost when it goes
  bool degraded = false;  // its canaries fail: placed nothing while others may run its checks
};

struct CheckView {
  std::string name;
  std::string member_tag;  // "" = untagged
  bool disabled = false;
};

struct Placement {
  // member id -> names of the checks it owns, sorted.
  std::map<std::string, std::vector<std::string>> owned;
  // Checks no member may run (their member-tag is on no member), sorted.
  std::vector<std::string> orphans;
};

// Rendezvous (highest-random-weight) hashing of every check over its eligible members.
// Eligible: the members having the check's member-tag among their tags (a member with
// several tags is eligible for each); an untagged check goes to the untagged members, or to
// every member when none is untagged. Disabled checks are placed nowhere (and are not
// orphans).
//
// Deterministic and minimal: the owner of a check depends only on the check's name and the
// set of eligible members, so a joining member takes only the checks that now score highest
// on it (~1/(N+1)), a leaving member's checks spread over the rest and nothing else moves,
// and adding, changing or removing a check moves no other check. Any director computes the
// same placement.
Placement place(const std::vector<MemberView>& members, const std::vector<CheckView>& checks);

// place()'s rule one check at a time, for callers that keep their checks in a compact form of
// their own and need no copy of every name (the director): the candidate lists per tag are
// computed once. Refers to `members`, which must outlive it and stay unchanged.
class Placer {
 public:
  static constexpr int kOrphan = -1;   // no member may run it
  static constexpr int kNowhere = -2;  // disabled: placed nowhere, and no orphan
  explicit Placer(const std::vector<MemberView>& members);
  // The index in `members` of the check's owner, or kOrphan / kNowhere.
  int owner(std::string_view name, std::string_view member_tag, bool disabled) const;

 private:
  struct Candidate {
    int index;
    uint64_t hash;
  };
  const std::vector<MemberView>& members_;
  std::map<std::string, std::vector<Candidate>, std::less<>> by_tag_;
  std::vector<Candidate> untagged_;
  std::vector<Candidate> everyone_;
};

// The same rule within each location (monitors with `locations`, docs/locations.md): a
// replica `<check>@<location>` goes to the highest-scoring eligible member of that location
// (member-tag and the untagged fallback apply among its members), so minimal movement holds
// per location. Refers to `members`, which must outlive it and stay unchanged.
class LocatedPlacer {
 public:
  explicit LocatedPlacer(const std::vector<MemberView>& members);
  // The index in `members` of the replica's owner, or Placer::kOrphan (no eligible member in
  // the location).
  int owner(std::string_view location, std::string_view replica, std::string_view member_tag) const;
  // The locations some member has, sorted (`locations: all` takes those with an eligible
  // member).
  const std::vector<std::string>& locations() const { return locations_; }

 private:
  struct Site {
    std::vector<MemberView> members;
    std::vector<int> index;  // into the caller's members
    std::unique_ptr<Placer> placer;
  };
  std::map<std::string, Site, std::less<>> sites_;
  std::vector<std::string> locations_;
};

// place()'s orphan rule alone, for readers that only need to know whether a check has an
// eligible member (the API's state listing and summary), without hashing anything: a
// disabled check is never an orphan; an untagged one is an orphan only when there are no
// members at all (it may go to every member when none is untagged); a tagged one when no
// member has its tag.
class OrphanRule {
 public:
  explicit OrphanRule(const std::vector<MemberView>& members);
  bool orphaned(const CheckView& check) const;

 private:
  bool any_member_ = false;
  std::set<std::string> tags_;  // every tag some member has
};

// The rendezvous weight of (check, member): a 64-bit mix of the two names' hashes.
uint64_t rendezvousWeight(uint64_t check_hash, uint64_t member_hash);
uint64_t nameHash(std::string_view name);

// Assignments are stored compactly: each member's checks in kShards shards by name hash,
// one etcd key per non-empty shard, so a change rewrites only the shards it touches (the
// format: store/assignment_shard.h).
inline constexpr uint32_t kShards = store::kAssignmentShards;
uint32_t shardOf(std::string_view check_name);
inline std::string shardName(uint32_t shard) {  // "00".."3f"
  return store::assignmentShardName(shard);
}

}  // namespace ninevolt::cluster
