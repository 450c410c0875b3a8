#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ninevolt::cluster {

// The director's view of every monitor: name, member-tag (an index into the director's
// interned tags) and the disabled flag, ~name + 8 bytes per check.
//
// The names sit end to end in one sorted arena with an 8-byte slot each; changes since the
// last fold wait in a small ordered map and are folded in (one merge, O(n)) when that map
// outgrows an eighth of the arena, or before the whole view is walked. A std::map of the
// same took ~90 bytes per check in nodes and strings: 9 MB for the 100,000 checks of a
// cluster, ~0.9 KiB for each of the ~10,000 a director of 10 members owns itself.
// Monitors read in key order (etcd's order, which is the names' byte order) are appended
// without a fold.
class CheckTable {
 public:
  struct Entry {
    uint32_t tag = 0;
    bool disabled = false;
  };

  void put(std::string_view name, Entry entry);
  bool erase(std::string_view name);  // true when the name was there
  void clear();
  std::optional<Entry> find(std::string_view name) const;
  bool contains(std::string_view name) const { return find(name).has_value(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Every check in name order (byte order). Folds the pending changes in first.
  template <class F>
  void forEach(F&& f) {
    fold();
    for (size_t i = 0; i < slots_.size(); ++i) {
      f(nameAt(i), entryAt(i));
    }
  }

  // Bytes held (arena, slots and pending changes, capacities included), for tests and logs.
  size_t bytes() const;

 private:
  struct Slot {
    uint32_t offset = 0;        // of the name in arena_; it ends where the next one starts
    uint32_t tag_disabled = 0;  // tag << 1 | disabled
  };

  void fold();
  std::string_view nameAt(size_t i) const;
  Entry entryAt(size_t i) const {
    return {slots_[i].tag_disabled >> 1, (slots_[i].tag_disabled & 1) != 0};
  }
  static Slot slotOf(uint32_t offset, Entry entry) {
    return {offset, entry.tag << 1 | (entry.disabled ? 1U : 0U)};
  }
  std::optional<size_t> indexOf(std::string_view name) const;  // in the folded part

  std::string arena_;
  std::vector<Slot> slots_;
  std::map<std::string, std::optional<Entry>, std::less<>> pending_;  // nullopt = erased
  size_t size_ = 0;
};

}  // namespace ninevolt::cluster
