#pragma once

#include <cstdint>
#include <functional>
#include <optional>
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
// - no drift: runs are due on the check's grid (phase + k * interval), whatever the lag;
// - catch-up in O(1): when the loop wakes late, every due time of the check that passed is
//   handled at once: at most one run (the earliest due time), the others skipped and
//   counted, and the next due time is the first point of the grid after now (arithmetic,
//   not one step per missed due time: a 1 ns interval or an hour-long stall costs the same
//   as a 10 s interval on time);
// - no overlap: a run still in flight when the next is due is not doubled: that due time is
//   skipped and counted, and the one after is scheduled;
// - a floor: an interval under kMinInterval is treated as kMinInterval, so no interval can
//   make a loop spin (config rejects intervals under 100 ms; this holds whatever reaches
//   the engine);
// - a check that arrives overdue (it last ran longer than its interval ago, elsewhere) is
//   due at once, then continues on its grid.
// Single-threaded (one loop).
class Scheduler {
 public:
  struct Due {
    uint32_t slot;   // stable handle of the check while it is scheduled
    int64_t due_ns;  // when it was due (lag = now - due_ns)
  };

  // The shortest interval the scheduler runs a check at (a shorter one is raised to it).
  static constexpr int64_t kMinInterval = 1'000'000;  // 1 ms

  // Adds or re-times a check: its first run at its phase at or after now, or at once
  // (due now) when last_run_ns (when it last ran anywhere, on this time axis) is more than
  // one interval before now. Returns its slot.
  uint32_t add(std::string_view name, Nanos interval, int64_t now_ns,
               std::optional<int64_t> last_run_ns = std::nullopt);
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
  // The interval the scheduler uses for `interval` (at least kMinInterval).
  static int64_t effectiveInterval(Nanos interval);

 private:
  struct Slot {
    int64_t due_ns = 0;
    int64_t interval_ns = 0;
    int64_t phase_ns = 0;  // due times are phase_ns + k * interval_ns
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
