#include "cluster/placement.h"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

namespace ninevolt::cluster {
namespace {

// splitmix64's finaliser: a cheap, well-mixed 64-bit permutation.
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

uint64_t nameHash(std::string_view name) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a, then mixed
  for (unsigned char c : name) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return mix(h);
}

uint64_t rendezvousWeight(uint64_t check_hash, uint64_t member_hash) {
  return mix(check_hash ^ mix(member_hash + 0x9e3779b97f4a7c15ULL));
}

uint32_t shardOf(std::string_view check_name) {
  return static_cast<uint32_t>(nameHash(check_name) % kShards);
}

std::string shardName(uint32_t shard) {
  return fmt::format("{:02x}", shard);
}

Placement place(const std::vector<MemberView>& members, const std::vector<CheckView>& checks) {
  struct Candidate {
    const std::string* id;
    uint64_t hash;
  };
  // Candidate lists per eligibility class, computed once: by tag, untagged, everyone.
  std::unordered_map<std::string, std::vector<Candidate>> by_tag;
  std::vector<Candidate> untagged;
  std::vector<Candidate> everyone;
  for (const auto& m : members) {
    Candidate c{&m.id, nameHash(m.id)};
    everyone.push_back(c);
    if (m.tags.empty()) {
      untagged.push_back(c);
    }
    for (const auto& t : m.tags) {
      auto& list = by_tag[t];
      // A tag listed twice on one member still makes it one candidate.
      if (list.empty() || list.back().id != &m.id) {
        list.push_back(c);
      }
    }
  }
  const std::vector<Candidate>& for_untagged = untagged.empty() ? everyone : untagged;

  Placement out;
  std::unordered_map<const std::string*, std::vector<std::string>> owned;
  for (const auto& check : checks) {
    if (check.disabled) {
      continue;
    }
    const std::vector<Candidate>* candidates = &for_untagged;
    if (!check.member_tag.empty()) {
      auto it = by_tag.find(check.member_tag);
      candidates = it == by_tag.end() ? nullptr : &it->second;
    }
    if (candidates == nullptr || candidates->empty()) {
      out.orphans.push_back(check.name);
      continue;
    }
    const uint64_t h = nameHash(check.name);
    const Candidate* best = nullptr;
    uint64_t best_weight = 0;
    for (const auto& c : *candidates) {
      uint64_t w = rendezvousWeight(h, c.hash);
      // Ties (astronomically rare) go to the smaller id, so every director agrees.
      if (best == nullptr || w > best_weight || (w == best_weight && *c.id < *best->id)) {
        best = &c;
        best_weight = w;
      }
    }
    owned[best->id].push_back(check.name);
  }
  for (auto& [id, names] : owned) {
    std::sort(names.begin(), names.end());
    out.owned.emplace(*id, std::move(names));
  }
  std::sort(out.orphans.begin(), out.orphans.end());
  return out;
}

OrphanRule::OrphanRule(const std::vector<MemberView>& members) : any_member_(!members.empty()) {
  for (const auto& m : members) {
    tags_.insert(m.tags.begin(), m.tags.end());
  }
}

bool OrphanRule::orphaned(const CheckView& check) const {
  if (check.disabled) {
    return false;
  }
  return check.member_tag.empty() ? !any_member_ : !tags_.contains(check.member_tag);
}

}  // namespace ninevolt::cluster
