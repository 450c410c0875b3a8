#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "etcd/client.h"
#include "metrics/text.h"

namespace ninevolt::app {

// What this member knows of etcd's health, from the etcd Status it asks for every second:
// - unreachable (the call failed): the member runs its checks while its lease may live;
// - an alarm raised or no leader (Status' `errors`): NOSPACE refuses every write (state,
//   placement, alerts' incidents) until an operator frees space and disarms it; CORRUPT
//   means a member's data differs from the others'.
// Either is the member's problem (GET /status/check answers 500 with it), logged and
// recorded as an event once when it starts and once when it ends; /metrics shows the
// database size and the alarms. Thread-safe.
class EtcdHealth {
 public:
  struct Options {
    // Called (outside the lock) with (event type, kind, message) on each change.
    std::function<void(const char* type, const char* kind, const std::string& message)> on_event;
  };

  explicit EtcdHealth(Options options) : options_(std::move(options)) {}

  // One probe's answer.
  void observe(const Result<etcd::StatusInfo>& status,
               std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());
  std::string problem() const;  // empty while etcd answers and reports nothing wrong
  void renderMetrics(metrics::Writer& w) const;

  // "etcd alarm: memberID:8e9e alarm:NOSPACE (...what to do...)" for Status' errors.
  static std::string describeErrors(const std::vector<std::string>& errors);

 private:
  enum class Kind { kNone, kUnreachable, kReported };

  Options options_;
  mutable std::mutex mu_;
  Kind kind_ = Kind::kNone;
  std::string problem_;
  std::chrono::steady_clock::time_point lost_at_;
  int64_t db_size_ = 0;
  int64_t db_size_in_use_ = 0;
  int64_t alarms_ = 0;
};

}  // namespace ninevolt::app
