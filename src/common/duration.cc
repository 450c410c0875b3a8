#include "common/duration.h"

#include <array>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace ninevolt::common {
namespace {

struct Unit {
  std::string_view name;
  int64_t nanos;
};

// Longest names first so "ms" is not read as "m" + "s".
constexpr std::array<Unit, 8> kUnits{{
    {"ns", 1},
    {"us", 1'000},
    {"\xC2\xB5s", 1'000},  // U+00B5 micro sign
    {"\xCE\xBCs", 1'000},  // U+03BC Greek mu
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
}};

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

const Unit* matchUnit(std::string_view rest, size_t* len) {
  const Unit* best = nullptr;
  for (const auto& u : kUnits) {
    if (rest.substr(0, u.name.size()) == u.name && (best == nullptr || u.name.size() > *len)) {
      best = &u;
      *len = u.name.size();
    }
  }
  return best;
}

}  // namespace

Result<Nanos> parseDuration(std::string_view text) {
  const std::string quoted = fmt::format("\"{}\"", text);
  std::string_view s = text;
  if (s.empty()) {
    return fail(Errc::kInvalidArgument, "empty duration; write it like \"10s\" or \"1m30s\"");
  }
  bool negative = false;
  if (s.front() == '-' || s.front() == '+') {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    return Nanos{0};
  }
  if (s.empty()) {
    return fail(Errc::kInvalidArgument, fmt::format("invalid duration {}", quoted));
  }
  // Accumulate in long double nanoseconds: exact for every value a config can sensibly hold,
  // and fractional parts ("1.5s") need no separate integer path.
  long double total = 0;
  const long double limit = negative
                                ? 9223372036854775808.0L  // 2^63
                                : static_cast<long double>(std::numeric_limits<int64_t>::max());
  bool all_digits = true;
  for (char c : s) {
    all_digits = all_digits && (isDigit(c) || c == '.');
  }
  if (all_digits) {
    return fail(
        Errc::kInvalidArgument,
        fmt::format("{} has no unit; write it with one, e.g. \"{}s\" (units: ns us ms s m h)",
                    quoted, s));
  }
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && isDigit(s[i])) {
      ++i;
    }
    std::string_view whole = s.substr(0, i);
    std::string_view frac;
    if (i < s.size() && s[i] == '.') {
      size_t j = i + 1;
      while (j < s.size() && isDigit(s[j])) {
        ++j;
      }
      frac = s.substr(i + 1, j - i - 1);
      i = j;
    }
    if (whole.empty() && frac.empty()) {
      return fail(Errc::kInvalidArgument,
                  fmt::format("invalid duration {}: expected a number at \"{}\"", quoted, s));
    }
    s.remove_prefix(i);
    size_t unit_len = 0;
    const Unit* unit = matchUnit(s, &unit_len);
    if (unit == nullptr) {
      if (s.empty()) {
        return fail(Errc::kInvalidArgument,
                    fmt::format("invalid duration {}: missing unit after the last number (units: "
                                "ns us ms s m h)",
                                quoted));
      }
      return fail(Errc::kInvalidArgument,
                  fmt::format("invalid duration {}: unknown unit \"{}\" (units: ns us ms s m h)",
                              quoted, s));
    }
    s.remove_prefix(unit_len);
    long double value = 0;
    for (char c : whole) {
      value = value * 10 + (c - '0');
    }
    long double scale = 1;
    for (char c : frac) {
      scale /= 10;
      value += (c - '0') * scale;
    }
    total += value * static_cast<long double>(unit->nanos);
    // A negative duration may be one larger: -2^63 ns is the most negative one.
    if (total > limit) {
      return fail(Errc::kInvalidArgument, fmt::format("duration {} is too long", quoted));
    }
  }
  // long double holds 2^63 exactly: rounded, the magnitude is at most `limit`.
  const long double rounded = std::roundl(total);
  if (rounded > limit) {
    return fail(Errc::kInvalidArgument, fmt::format("duration {} is too long", quoted));
  }
  if (negative && rounded == limit) {
    return Nanos{std::numeric_limits<int64_t>::min()};
  }
  auto nanos = static_cast<int64_t>(rounded);
  return Nanos{negative ? -nanos : nanos};
}

std::string formatDuration(Nanos d) {
  int64_t n = d.count();
  if (n == 0) {
    return "0s";
  }
  std::string out;
  // Work on the magnitude as unsigned so INT64_MIN formats too.
  uint64_t u = n < 0 ? uint64_t(0) - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  if (n < 0) {
    out += '-';
  }
  auto fraction = [](uint64_t value, uint64_t unit) {
    // "1.5" for value=1500, unit=1000: integer part plus the fraction without trailing zeros.
    std::string s = std::to_string(value / unit);
    uint64_t rest = value % unit;
    if (rest != 0) {
      std::string digits = std::to_string(unit + rest).substr(1);  // zero-padded
      while (!digits.empty() && digits.back() == '0') {
        digits.pop_back();
      }
      s += "." + digits;
    }
    return s;
  };
  constexpr uint64_t kSecond = 1'000'000'000;
  if (u < kSecond) {
    // Sub-second: a single unit, as Go does ("300ms", "1.5µs" is written "1.5us" here).
    if (u < 1'000) {
      return out + std::to_string(u) + "ns";
    }
    if (u < 1'000'000) {
      return out + fraction(u, 1'000) + "us";
    }
    return out + fraction(u, 1'000'000) + "ms";
  }
  uint64_t hours = u / (3600 * kSecond);
  u %= 3600 * kSecond;
  uint64_t minutes = u / (60 * kSecond);
  u %= 60 * kSecond;
  if (hours != 0) {
    out += std::to_string(hours) + "h";
  }
  if (minutes != 0) {
    out += std::to_string(minutes) + "m";
  }
  if (u != 0) {
    out += fraction(u, kSecond) + "s";
  }
  return out;
}

}  // namespace ninevolt::common
