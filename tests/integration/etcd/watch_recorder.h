#pragma once

#include <mutex>
#include <vector>

#include "etcd/watcher.h"
#include "support/etcd_fixture.h"

namespace ninevolt::etcd {

// Collects a Watcher's updates (called on the watcher's thread) for the test thread.
class WatchRecorder {
 public:
  std::function<void(const WatchUpdate&)> callback() {
    return [this](const WatchUpdate& update) {
      std::lock_guard lock(mu_);
      updates_.push_back(update);
    };
  }
  std::vector<WatchUpdate> updates() const {
    std::lock_guard lock(mu_);
    return updates_;
  }
  // Every event in delivery order.
  std::vector<WatchEvent> events() const {
    std::lock_guard lock(mu_);
    std::vector<WatchEvent> out;
    for (const auto& u : updates_) {
      out.insert(out.end(), u.events.begin(), u.events.end());
    }
    return out;
  }
  size_t count(WatchUpdate::Kind kind) const {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const auto& u : updates_) {
      n += u.kind == kind ? 1 : 0;
    }
    return n;
  }
  bool waitForEvents(size_t n, std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
    return testing::eventually([&] { return events().size() >= n; }, deadline);
  }
  bool waitFor(WatchUpdate::Kind kind, size_t n = 1,
               std::chrono::milliseconds deadline = std::chrono::seconds(15)) {
    return testing::eventually([&] { return count(kind) >= n; }, deadline);
  }

 private:
  mutable std::mutex mu_;
  std::vector<WatchUpdate> updates_;
};

}  // namespace ninevolt::etcd
