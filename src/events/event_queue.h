#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "store/event.h"

namespace ninevolt::events {

// The events waiting for etcd, oldest first, at most `limit` of them: beyond it the oldest
// is dropped (and counted), so a long etcd outage costs bounded memory and keeps the most
// recent history. Not thread-safe: EventLog locks around it.
class EventQueue {
 public:
  explicit EventQueue(size_t limit) : limit_(limit == 0 ? 1 : limit) {}

  // Appends; returns how many old events were dropped to make room (0 or 1).
  size_t push(store::StoredEvent event);
  // Removes and returns up to n events from the front (the oldest).
  std::vector<store::StoredEvent> take(size_t n);
  // Puts events taken earlier but not written back at the front, in their order; beyond
  // the limit the oldest go. Returns how many were dropped.
  size_t putBack(std::vector<store::StoredEvent> events);

  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  size_t limit() const { return limit_; }
  uint64_t dropped() const { return dropped_; }

 private:
  size_t trim();

  size_t limit_;
  std::deque<store::StoredEvent> items_;
  uint64_t dropped_ = 0;
};

}  // namespace ninevolt::events
