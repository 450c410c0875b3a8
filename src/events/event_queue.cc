#include "events/event_queue.h"

#include <algorithm>
#include <cstddef>
#include <iterator>

namespace ninevolt::events {

size_t EventQueue::trim() {
  size_t n = 0;
  while (items_.size() > limit_) {
    items_.pop_front();
    ++n;
  }
  dropped_ += n;
  return n;
}

size_t EventQueue::push(store::StoredEvent event) {
  items_.push_back(std::move(event));
  return trim();
}

std::vector<store::StoredEvent> EventQueue::take(size_t n) {
  auto end = items_.begin() + static_cast<std::ptrdiff_t>(std::min(n, items_.size()));
  std::vector<store::StoredEvent> out(std::make_move_iterator(items_.begin()),
                                      std::make_move_iterator(end));
  items_.erase(items_.begin(), end);
  return out;
}

size_t EventQueue::putBack(std::vector<store::StoredEvent> events) {
  items_.insert(items_.begin(), std::make_move_iterator(events.begin()),
                std::make_move_iterator(events.end()));
  return trim();
}

}  // namespace ninevolt::events
