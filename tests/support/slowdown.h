#pragma once

#include <chrono>

#include "support/slowdown_config.h"  // generated: NINEVOLT_TEST_SLOWDOWN

namespace ninevolt::testing {

// How much slower this build runs the tests (1; 3 under ASan+UBSan, 5 under ThreadSanitizer:
// cmake/Sanitizers.cmake). Generous deadlines that only bound a wait (never a timing claim)
// are multiplied by it, and so are the etcd timeouts of servers whose every call is slowed.
inline constexpr int kSlowdown = NINEVOLT_TEST_SLOWDOWN;

template <typename Rep, typename Period>
constexpr auto slow(std::chrono::duration<Rep, Period> d) {
  return d * kSlowdown;
}

}  // namespace ninevolt::testing
