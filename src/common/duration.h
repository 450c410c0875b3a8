#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ninevolt::common {

using Nanos = std::chrono::nanoseconds;

// Go duration syntax, as 9volt configs have always used: "300ms", "1.5s", "1h30m",
// "2h45m30.5s"; units ns, us, µs (and μs), ms, s, m, h; an optional leading sign.
// A bare number other than "0" is rejected with a hint to add a unit.
Result<Nanos> parseDuration(std::string_view text);

// The shortest Go-style text for d, with zero components left out: 90 minutes ->
// "1h30m", 1500ms -> "1.5s", 300ms -> "300ms", 0 -> "0s". parseDuration(formatDuration(d))
// == d for every d, and formatDuration(parseDuration(s)) == s for text already written in
// this form (the examples above).
std::string formatDuration(Nanos d);

}  // namespace ninevolt::common
