#pragma once

#include <chrono>
#include <string>

namespace ninevolt::common {

using SystemTime = std::chrono::system_clock::time_point;

// RFC 3339 in UTC with second precision: "2026-11-25T10:04:05Z".
std::string formatRfc3339(SystemTime t);
inline std::string nowRfc3339() {
  return formatRfc3339(std::chrono::system_clock::now());
}

}  // namespace ninevolt::common
