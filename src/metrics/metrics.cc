#include "metrics/metrics.h"

#include <algorithm>

namespace ninevolt::metrics {

void HistogramSnapshot::merge(const HistogramSnapshot& other) {
  if (bounds.empty() && buckets.empty()) {
    *this = other;
    return;
  }
  for (size_t i = 0; i < buckets.size() && i < other.buckets.size(); ++i) {
    buckets[i] += other.buckets[i];
  }
  count += other.count;
  sum += other.sum;
}

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds.begin(), bounds.end()), counts_(bounds_.size() + 1) {
  std::sort(bounds_.begin(), bounds_.end());
}

void Histogram::observe(double value) {
  // `le` is inclusive: a value equal to a bound belongs to that bound's bucket.
  auto i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value)
                               - bounds_.begin());
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

HistogramSnapshot Histogram::snapshot() const {
  HistogramSnapshot s;
  s.bounds = bounds_;
  s.buckets.resize(bounds_.size());
  uint64_t running = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    s.buckets[i] = running;
  }
  s.count = running + counts_[bounds_.size()].load(std::memory_order_relaxed);
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace ninevolt::metrics
