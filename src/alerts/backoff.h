#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace ninevolt::alerts {

// Delay before retry number `attempt` (1 = first retry): exponential from `first`, capped
// at `max`, with "equal jitter" (half fixed, half random from `unit` in [0,1)) so that
// many alerts failing together do not retry in lockstep.
inline std::chrono::milliseconds backoffDelay(int attempt, std::chrono::milliseconds first,
                                              std::chrono::milliseconds max, double unit) {
  const int shift = std::clamp(attempt - 1, 0, 30);
  const int64_t base =
      std::min<int64_t>(max.count(), first.count() * (int64_t{1} << std::min(shift, 20)));
  const int64_t half = base / 2;
  return std::chrono::milliseconds(
      half + static_cast<int64_t>(static_cast<double>(half) * std::clamp(unit, 0.0, 1.0)));
}

}  // namespace ninevolt::alerts
