#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "lag_histogram.h"

namespace ninevolt::bench {

// The kind of a benchmark check, from the first letter of its name ("tcp-1", "http-1",
// "exec-1", "icmp-1"): cheaper than a lookup on every result.
enum class Kind { kTcp = 0, kHttp = 1, kExec = 2, kIcmp = 3, kOther = 4 };
inline constexpr size_t kKinds = 5;
const char* kindName(Kind kind);
Kind kindOf(const std::string& check_name);

struct KindTotals {
  LagHistogram lag;   // microseconds
  uint64_t runs = 0;  // completed in the window
  uint64_t ok = 0;
  uint64_t late = 0;       // lag above the threshold
  double duration_us = 0;  // sum of run durations (mean = / runs)
};

struct Totals {
  std::array<KindTotals, kKinds> kinds;
  std::map<std::string, uint64_t> failures;  // "<kind>: <message>" -> count
  KindTotals all() const;
};

// Collects what on_result reports during a measuring window. onResult runs on the engine's
// worker threads: each thread records into its own buffer (found through a thread_local,
// registered under a mutex only on a thread's first result), so the hot path takes no lock
// and shares no cache line. merge() must run after stop() and an Engine::sync(), which
// orders every recording before it.
class Recorder {
 public:
  explicit Recorder(int64_t late_threshold_us) : late_threshold_us_(late_threshold_us) {}

  void onResult(const engine::RunReport& report);  // worker threads
  void start() { measuring_.store(true, std::memory_order_release); }
  void stop() { measuring_.store(false, std::memory_order_release); }
  Totals merge() const;

 private:
  static constexpr size_t kMaxMessages = 64;  // distinct failure texts kept per thread
  struct alignas(64) PerThread {
    Totals totals;
  };
  PerThread& local();

  const int64_t late_threshold_us_;
  std::atomic<bool> measuring_{false};
  mutable std::mutex mu_;  // guards threads_ (registration and merge only)
  std::vector<std::unique_ptr<PerThread>> threads_;
};

}  // namespace ninevolt::bench
