#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ninevolt::common {

using SystemTime = std::chrono::system_clock::time_point;

// RFC 3339 in UTC with second precision: "2026-11-25T10:04:05Z".
std::string formatRfc3339(SystemTime t);
inline std::string nowRfc3339() {
  return formatRfc3339(std::chrono::system_clock::now());
}
// Seconds since the epoch now (the wall clock): what records shared between members hold.
inline int64_t nowUnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
// RFC 3339 in UTC with microseconds: "2026-11-25T10:04:05.123456Z" (event timestamps).
std::string formatRfc3339Micros(SystemTime t);

// Parses RFC 3339 ("2026-11-25T10:04:05Z", "...05.5+01:00", up to nanosecond fractions,
// kept to microseconds): what the original 9volt (Go's time.Time) and we write.
Result<SystemTime> parseRfc3339(std::string_view text);

}  // namespace ninevolt::common
