#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ninevolt::metrics {

// Instruments cheap enough for the engine's hot path: relaxed atomics, no locks, no
// allocation after construction. Any thread may update them and any thread may read them
// (a reader sees each number as of some recent moment; a histogram read while it is being
// updated may be off by the observation in flight, which the next scrape corrects).
// Where one thread does most of the updating (an engine worker), give it its own instance
// and add them up when rendering: no cache line then moves between cores.

// A monotonic count (Prometheus counter).
class Counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down (Prometheus gauge).
class Gauge {
 public:
  void set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void add(int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Upper bounds (inclusive, seconds) from 1 ms to 10 s: schedule lag, etcd call latency.
inline constexpr std::array<double, 13> kLatencyBuckets{
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};

// What a Histogram holds at one moment, buckets already cumulative (Prometheus `le`).
struct HistogramSnapshot {
  std::vector<double> bounds;     // upper bounds, ascending; +Inf is implied
  std::vector<uint64_t> buckets;  // cumulative count per bound (same size as bounds)
  uint64_t count = 0;             // every observation (the +Inf bucket)
  double sum = 0;

  // Adds another snapshot with the same bounds (per-worker histograms into one).
  void merge(const HistogramSnapshot& other);
};

// A histogram with fixed bucket bounds. observe() is a bucket search over the bounds and
// three relaxed atomic adds.
class Histogram {
 public:
  explicit Histogram(std::span<const double> bounds = kLatencyBuckets);
  ~Histogram() = default;
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;
  Histogram(Histogram&&) = delete;
  Histogram& operator=(Histogram&&) = delete;

  void observe(double value);
  HistogramSnapshot snapshot() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  // One per bound plus one for the values above the last (non-cumulative here).
  std::vector<std::atomic<uint64_t>> counts_;  // sized once, never resized
  std::atomic<double> sum_{0};
};

}  // namespace ninevolt::metrics
