#include "common/clock.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace ninevolt::common {

std::string formatRfc3339(SystemTime t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::floor<std::chrono::seconds>(t));
}

}  // namespace ninevolt::common
