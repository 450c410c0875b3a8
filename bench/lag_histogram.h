#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace ninevolt::bench {

// Log-linear histogram of non-negative integers (microseconds of schedule lag): exact below
// 32, then 32 buckets per power of two, so a percentile is off by at most ~3%. Fixed size
// (~10 KiB) and no allocation, so recording on a worker thread costs a few instructions.
// Not thread-safe: each worker thread owns one, they are merged at the end.
class LagHistogram {
 public:
  static constexpr int kSubBits = 5;
  static constexpr uint64_t kSub = uint64_t{1} << kSubBits;
  static constexpr int kGroups = 40;  // up to 2^44 us: any lag a run can have

  void record(int64_t value) {
    const uint64_t v = value < 0 ? 0 : static_cast<uint64_t>(value);
    buckets_[std::min(index(v), buckets_.size() - 1)]++;
    count_++;
    max_ = std::max(max_, v);
  }

  void merge(const LagHistogram& other) {
    for (size_t i = 0; i < buckets_.size(); ++i) {
      buckets_[i] += other.buckets_[i];
    }
    count_ += other.count_;
    max_ = std::max(max_, other.max_);
  }

  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }

  // The smallest bucket upper bound with at least q of the values at or below it (capped at
  // the exact max, so p100 == max). 0 when empty.
  uint64_t quantile(double q) const {
    if (count_ == 0) {
      return 0;
    }
    const auto want = static_cast<uint64_t>(q * static_cast<double>(count_) + 0.5);
    uint64_t seen = 0;
    for (size_t i = 0; i < buckets_.size(); ++i) {
      seen += buckets_[i];
      if (seen >= std::max<uint64_t>(want, 1)) {
        return std::min(upper(i), max_);
      }
    }
    return max_;
  }

 private:
  static size_t index(uint64_t v) {
    if (v < kSub) {
      return static_cast<size_t>(v);
    }
    const int e = 63 - std::countl_zero(v);  // >= kSubBits
    const uint64_t sub = (v >> (e - kSubBits)) & (kSub - 1);
    return static_cast<size_t>(static_cast<uint64_t>(e - kSubBits + 1) * kSub + sub);
  }
  // Largest value that falls into bucket i.
  static uint64_t upper(size_t i) {
    if (i < kSub) {
      return i;
    }
    const uint64_t group = i / kSub;
    const uint64_t sub = i % kSub;
    const uint64_t width = uint64_t{1} << (group - 1);
    return ((kSub + sub) << (group - 1)) + width - 1;
  }

  std::array<uint64_t, kSub*(kGroups + 1)> buckets_{};
  uint64_t count_ = 0;
  uint64_t max_ = 0;
};

}  // namespace ninevolt::bench
