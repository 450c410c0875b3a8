#include "cluster/check_table.h"

#include <algorithm>
#include <stdexcept>

namespace ninevolt::cluster {

namespace {

// Folded when the pending changes outgrow an eighth of the view (and at least this many):
// each fold is one pass, so a stream of changes costs O(1) amortised per change.
constexpr size_t kMinPendingToFold = 4096;

}  // namespace

std::string_view CheckTable::nameAt(size_t i) const {
  const size_t begin = slots_[i].offset;
  const size_t end = i + 1 < slots_.size() ? slots_[i + 1].offset : arena_.size();
  return std::string_view(arena_).substr(begin, end - begin);
}

std::optional<size_t> CheckTable::indexOf(std::string_view name) const {
  size_t lo = 0;
  size_t hi = slots_.size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const int c = nameAt(mid).compare(name);
    if (c == 0) {
      return mid;
    }
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return std::nullopt;
}

std::optional<CheckTable::Entry> CheckTable::find(std::string_view name) const {
  if (auto p = pending_.find(name); p != pending_.end()) {
    return p->second;
  }
  if (auto i = indexOf(name)) {
    return entryAt(*i);
  }
  return std::nullopt;
}

void CheckTable::put(std::string_view name, Entry entry) {
  if (name.empty()) {
    return;  // no monitor has an empty name; the arena cannot hold one either
  }
  if (pending_.empty() && (slots_.empty() || nameAt(slots_.size() - 1) < name)) {
    if (arena_.size() + name.size() > UINT32_MAX) {
      throw std::length_error("director view: more than 4 GiB of check names");
    }
    slots_.push_back(slotOf(static_cast<uint32_t>(arena_.size()), entry));
    arena_.append(name);
    size_++;
    return;
  }
  const bool there = contains(name);
  auto [it, added] = pending_.try_emplace(std::string(name), entry);
  if (!added) {
    it->second = entry;
  }
  if (!there) {
    size_++;
  }
  if (pending_.size() > std::max(kMinPendingToFold, slots_.size() / 8)) {
    fold();
  }
}

bool CheckTable::erase(std::string_view name) {
  const bool in_folded = indexOf(name).has_value();
  if (auto p = pending_.find(name); p != pending_.end()) {
    if (!p->second) {
      return false;  // already erased
    }
    if (in_folded) {
      p->second.reset();
    } else {
      pending_.erase(p);
    }
  } else if (in_folded) {
    pending_.emplace(std::string(name), std::nullopt);
  } else {
    return false;
  }
  size_--;
  if (pending_.size() > std::max(kMinPendingToFold, slots_.size() / 8)) {
    fold();  // erased names are tombstones until then
  }
  return true;
}

void CheckTable::clear() {
  arena_ = std::string();
  slots_ = std::vector<Slot>();
  pending_.clear();
  size_ = 0;
}

void CheckTable::fold() {
  if (pending_.empty()) {
    return;
  }
  std::string arena;
  std::vector<Slot> slots;
  size_t bytes = arena_.size();
  for (const auto& [name, entry] : pending_) {
    bytes += entry ? name.size() : 0;
  }
  if (bytes > UINT32_MAX) {
    throw std::length_error("director view: more than 4 GiB of check names");
  }
  arena.reserve(bytes);
  slots.reserve(size_);
  auto add = [&](std::string_view name, Entry entry) {
    slots.push_back(slotOf(static_cast<uint32_t>(arena.size()), entry));
    arena.append(name);
  };
  // Merge of two sorted runs; a pending change wins over the folded entry of its name.
  size_t i = 0;
  auto p = pending_.begin();
  while (i < slots_.size() || p != pending_.end()) {
    if (p == pending_.end() || (i < slots_.size() && nameAt(i) < p->first)) {
      add(nameAt(i), entryAt(i));
      ++i;
      continue;
    }
    if (i < slots_.size() && nameAt(i) == p->first) {
      ++i;  // replaced or erased by the pending change
    }
    if (p->second) {
      add(p->first, *p->second);
    }
    ++p;
  }
  arena_ = std::move(arena);
  slots_ = std::move(slots);
  pending_.clear();
}

size_t CheckTable::bytes() const {
  size_t pending = 0;
  for (const auto& [name, entry] : pending_) {
    pending += 64 + name.capacity();  // a map node and the string's heap part, roughly
  }
  return arena_.capacity() + slots_.capacity() * sizeof(Slot) + pending;
}

}  // namespace ninevolt::cluster
