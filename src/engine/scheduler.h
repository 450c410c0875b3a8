#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/duration.h"

namespace ninevolt::engine {

using common::Nanos;

// When each check of one engine loop runs next. Pure bookkeeping on a time axis the caller
// supplies (nanoseconds on a monotonic clock), so it is tested with simulated time; the loop
// arms one timer for nextWakeup() and calls takeDue(now) when it fires.
//
// Policy:
// - spread: a check's runs fall at a fixed phase within its interval, phase = stable hash of
//   its name, so checks with the same interval are spread evenly, at start and after any
//   reload, and a restarted member keeps the same rhythm;
// - no drift: the next run is due at the previous due time + interval, whatever the lag;
// - no overlap: a run still in flight when the next is due is not doubled: that due time is
//   skipped and counted, and the one after is scheduled.
// Single-threaded (one loop).
class Scheduler {
 public:
  struct Due {
    uint32_t slot;   // stable handle of the check while it is scheduled
    int64_t due_ns;  // when it was due (lag = now - due_ns)
  };

  // Adds or re-times a check (first run at its phase after now). Returns its slot.
  uint32_t add(std::string_view name, Nanos interval, int64_t now_ns);
  void remove(uint32_t slot);

  // Every check due at or before now, earliest first; each is marked in flight and is not
  // returned again until finished(slot) is called.
  std::vector<Due> takeDue(int64_t now_ns);
  // The run of slot completed: it may be started again at its next due time (which was
  // already set, from the due time, when this run was taken).
  void finished(uint32_t slot);

  // When the earliest scheduled run is due; INT64_MAX when nothing is scheduled.
  int64_t nextWakeup();

  size_t size() const { return live_; }
  uint64_t skipped(uint32_t slot) const { return slots_[slot].skipped; }
  uint64_t totalSkipped() const { return total_skipped_; }
  bool inFlight(uint32_t slot) const { return slots_[slot].in_flight; }
  int64_t dueOf(uint32_t slot) const { return slots_[slot].due_ns; }

  // The first due time at or after now for a check of this name and interval (exposed for
  // tests and the benchmarks).
  static int64_t firstDue(std::string_view name, Nanos interval, int64_t now_ns);

 private:
  struct Slot {
    int64_t due_ns = 0;
    int64_t interval_ns = 0;
    uint64_t skipped = 0;
    uint32_t generation = 0;  // bumped on re-time/remove: older heap entries are stale
    bool live = false;
    bool in_flight = false;
  };
  struct HeapItem {
    int64_t due_ns;
    uint32_t slot;
    uint32_t generation;
  };
  void push(uint32_t slot);
  void popStale();

  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
  std::vector<HeapItem> heap_;  // min-heap on due_ns
  size_t live_ = 0;
  uint64_t total_skipped_ = 0;
};

// FNV-1a of the name: stable across processes and versions (it decides the phase).
uint64_t stableHash(std::string_view text);

}  // namespace ninevolt::engine
