#include "cluster/placement.h"

#include <algorithm>

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

Placer::Placer(const std::vector<MemberView>& members) : members_(members) {
  for (size_t i = 0; i < members.size(); ++i) {
    const auto& m = members[i];
    Candidate c{static_cast<int>(i), nameHash(m.id)};
    everyone_.push_back(c);
    if (m.tags.empty()) {
      untagged_.push_back(c);
    }
    for (const auto& t : m.tags) {
      auto& list = by_tag_[t];
      // A tag listed twice on one member still makes it one candidate.
      if (list.empty() || list.back().index != c.index) {
        list.push_back(c);
      }
    }
  }
}

int Placer::owner(std::string_view name, std::string_view member_tag, bool disabled) const {
  if (disabled) {
    return kNowhere;
  }
  const std::vector<Candidate>* candidates = untagged_.empty() ? &everyone_ : &untagged_;
  if (!member_tag.empty()) {
    auto it = by_tag_.find(member_tag);
    candidates = it == by_tag_.end() ? nullptr : &it->second;
  }
  if (candidates == nullptr || candidates->empty()) {
    return kOrphan;
  }
  const uint64_t h = nameHash(name);
  const Candidate* best = nullptr;
  uint64_t best_weight = 0;
  for (const auto& c : *candidates) {
    uint64_t w = rendezvousWeight(h, c.hash);
    // Ties (astronomically rare) go to the smaller id, so every director agrees.
    if (best == nullptr || w > best_weight
        || (w == best_weight && members_[c.index].id < members_[best->index].id)) {
      best = &c;
      best_weight = w;
    }
  }
  return best->index;
}

Placement place(const std::vector<MemberView>& members, const std::vector<CheckView>& checks) {
  Placer placer(members);
  Placement out;
  std::vector<std::vector<std::string>> owned(members.size());
  for (const auto& check : checks) {
    const int o = placer.owner(check.name, check.member_tag, check.disabled);
    if (o == Placer::kOrphan) {
      out.orphans.push_back(check.name);
    } else if (o >= 0) {
      owned[o].push_back(check.name);
    }
  }
  for (size_t i = 0; i < members.size(); ++i) {
    if (!owned[i].empty()) {
      std::sort(owned[i].begin(), owned[i].end());
      out.owned.emplace(members[i].id, std::move(owned[i]));
    }
  }
  std::sort(out.orphans.begin(), out.orphans.end());
  return out;
}

LocatedPlacer::LocatedPlacer(const std::vector<MemberView>& members) {
  for (size_t i = 0; i < members.size(); ++i) {
    Site& site = sites_[members[i].location];
    site.members.push_back(members[i]);
    site.index.push_back(static_cast<int>(i));
  }
  for (auto& [location, site] : sites_) {
    site.placer = std::make_unique<Placer>(site.members);  // site.members stays put now
    locations_.push_back(location);
  }
}

int LocatedPlacer::owner(std::string_view location, std::string_view replica,
                         std::string_view member_tag) const {
  auto it = sites_.find(location);
  if (it == sites_.end()) {
    return Placer::kOrphan;
  }
  const int o = it->second.placer->owner(replica, member_tag, false);
  return o >= 0 ? it->second.index[static_cast<size_t>(o)] : Placer::kOrphan;
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
