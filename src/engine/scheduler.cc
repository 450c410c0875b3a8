#include "engine/scheduler.h"

#include <algorithm>
#include <limits>

namespace ninevolt::engine {
namespace {

bool later(const auto& a, const auto& b) {
  return a.due_ns > b.due_ns;
}

int64_t phaseOf(std::string_view name, int64_t iv) {
  return static_cast<int64_t>(stableHash(name) % static_cast<uint64_t>(iv));
}

// The first t >= from on the grid phase + k * iv (0 <= phase < iv). Time on a monotonic
// clock is never negative, but the arithmetic is safe for any value.
int64_t onGridFrom(int64_t from, int64_t phase, int64_t iv) {
  const int64_t into = ((from - phase) % iv + iv) % iv;
  return into == 0 ? from : from + (iv - into);
}

}  // namespace

uint64_t stableHash(std::string_view text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

int64_t Scheduler::effectiveInterval(Nanos interval) {
  return std::max<int64_t>(interval.count(), kMinInterval);
}

int64_t Scheduler::firstDue(std::string_view name, Nanos interval, int64_t now_ns) {
  const int64_t iv = effectiveInterval(interval);
  return onGridFrom(now_ns, phaseOf(name, iv), iv);
}

uint32_t Scheduler::add(std::string_view name, Nanos interval, int64_t now_ns,
                        std::optional<int64_t> last_run_ns) {
  uint32_t slot = 0;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.generation++;
  s.live = true;
  s.in_flight = false;
  s.skipped = 0;
  s.interval_ns = effectiveInterval(interval);
  s.phase_ns = phaseOf(name, s.interval_ns);
  // Overdue (it missed a due time while it moved here): at once; else at its phase. The
  // difference is taken so that no value of last_run_ns can overflow it.
  const bool overdue = last_run_ns && *last_run_ns < now_ns - s.interval_ns;
  s.due_ns = overdue ? now_ns : onGridFrom(now_ns, s.phase_ns, s.interval_ns);
  live_++;
  push(slot);
  return slot;
}

void Scheduler::remove(uint32_t slot) {
  Slot& s = slots_.at(slot);
  if (!s.live) {
    return;
  }
  s.live = false;
  s.in_flight = false;
  s.generation++;  // its heap entry is now stale
  live_--;
  free_.push_back(slot);
}

void Scheduler::push(uint32_t slot) {
  heap_.push_back({slots_[slot].due_ns, slot, slots_[slot].generation});
  std::push_heap(heap_.begin(), heap_.end(), later<HeapItem, HeapItem>);
}

void Scheduler::popStale() {
  while (!heap_.empty()) {
    const HeapItem& top = heap_.front();
    const Slot& s = slots_[top.slot];
    if (s.live && s.generation == top.generation) {
      return;
    }
    std::pop_heap(heap_.begin(), heap_.end(), later<HeapItem, HeapItem>);
    heap_.pop_back();
  }
}

std::vector<Scheduler::Due> Scheduler::takeDue(int64_t now_ns) {
  std::vector<Due> out;
  while (true) {
    popStale();
    if (heap_.empty() || heap_.front().due_ns > now_ns) {
      break;
    }
    HeapItem top = heap_.front();
    std::pop_heap(heap_.begin(), heap_.end(), later<HeapItem, HeapItem>);
    heap_.pop_back();
    Slot& s = slots_[top.slot];
    const int64_t due = s.due_ns;
    // Every grid point in (due, now] is due too, and cannot run: the check runs at most once
    // per wake-up. Counted, not stepped through, so the cost does not grow with the lag.
    const int64_t next = onGridFrom(now_ns + 1, s.phase_ns, s.interval_ns);
    const int64_t after_due = onGridFrom(due + 1, s.phase_ns, s.interval_ns);
    uint64_t skipped = static_cast<uint64_t>((next - after_due) / s.interval_ns);
    s.due_ns = next;  // no drift: on the grid, not from now
    if (s.in_flight) {
      // Still running from an earlier due time: skip this one too, do not double it.
      skipped++;
    } else {
      s.in_flight = true;
      out.push_back({top.slot, due});
    }
    s.skipped += skipped;
    total_skipped_ += skipped;
    s.generation++;
    heap_.push_back({s.due_ns, top.slot, s.generation});
    std::push_heap(heap_.begin(), heap_.end(), later<HeapItem, HeapItem>);
  }
  return out;
}

void Scheduler::finished(uint32_t slot) {
  Slot& s = slots_.at(slot);
  s.in_flight = false;
}

int64_t Scheduler::nextWakeup() {
  popStale();
  return heap_.empty() ? std::numeric_limits<int64_t>::max() : heap_.front().due_ns;
}

}  // namespace ninevolt::engine
