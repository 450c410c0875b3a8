#include "common/clock.h"

#include <charconv>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace ninevolt::common {

std::string formatRfc3339(SystemTime t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::floor<std::chrono::seconds>(t));
}

std::string formatRfc3339Micros(SystemTime t) {
  auto secs = std::chrono::floor<std::chrono::seconds>(t);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t - secs).count();
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:06d}Z", secs, micros);
}

namespace {

// Reads exactly `digits` decimal digits at text[pos]; advances pos.
bool readNumber(std::string_view text, size_t& pos, size_t digits, int& out) {
  if (pos + digits > text.size()) {
    return false;
  }
  const char* begin = text.data() + pos;
  // Digits only: from_chars would take a sign ("-1" as an hour).
  for (size_t i = 0; i < digits; ++i) {
    if (begin[i] < '0' || begin[i] > '9') {
      return false;
    }
  }
  auto [end, ec] = std::from_chars(begin, begin + digits, out);
  if (ec != std::errc() || end != begin + digits) {
    return false;
  }
  pos += digits;
  return true;
}

bool expectChar(std::string_view text, size_t& pos, std::string_view allowed) {
  if (pos >= text.size() || allowed.find(text[pos]) == std::string_view::npos) {
    return false;
  }
  ++pos;
  return true;
}

}  // namespace

Result<SystemTime> parseRfc3339(std::string_view text) {
  auto bad = [&] {
    return fail(Errc::kInvalidArgument,
                fmt::format("'{}' is not an RFC 3339 time (like 2026-11-25T10:04:05Z)", text));
  };
  size_t pos = 0;
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!readNumber(text, pos, 4, year) || !expectChar(text, pos, "-")
      || !readNumber(text, pos, 2, month) || !expectChar(text, pos, "-")
      || !readNumber(text, pos, 2, day) || !expectChar(text, pos, "Tt ")
      || !readNumber(text, pos, 2, hour) || !expectChar(text, pos, ":")
      || !readNumber(text, pos, 2, minute) || !expectChar(text, pos, ":")
      || !readNumber(text, pos, 2, second)) {
    return bad();
  }
  std::chrono::microseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int64_t scale = 100000;
    size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction += std::chrono::microseconds((text[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == start) {
      return bad();
    }
  }
  std::chrono::minutes offset{0};
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh = 0;
    int om = 0;
    if (!readNumber(text, pos, 2, oh) || !expectChar(text, pos, ":")
        || !readNumber(text, pos, 2, om)) {
      return bad();
    }
    offset = std::chrono::minutes(sign * (oh * 60 + om));
  } else {
    return bad();
  }
  using std::chrono::year_month_day;
  year_month_day ymd{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                     std::chrono::day(static_cast<unsigned>(day))};
  if (pos != text.size() || !ymd.ok() || hour > 23 || minute > 59 || second > 60) {
    return bad();
  }
  // In whole seconds first (no overflow for any 4-digit year): SystemTime counts nanoseconds
  // in 64 bits, which covers only the years 1678 to 2261; a time outside that is refused
  // rather than wrapped around (signed overflow) into a date nobody wrote.
  const std::chrono::sys_seconds seconds = std::chrono::sys_days(ymd) + std::chrono::hours(hour)
                                           + std::chrono::minutes(minute)
                                           + std::chrono::seconds(second) - offset;
  const auto lowest =
      std::chrono::ceil<std::chrono::seconds>(SystemTime::min()) + std::chrono::seconds(1);
  const auto highest =
      std::chrono::floor<std::chrono::seconds>(SystemTime::max()) - std::chrono::seconds(1);
  if (seconds < lowest || seconds > highest) {
    return fail(Errc::kInvalidArgument,
                fmt::format("'{}' is out of range: times from 1678 to 2261 only", text));
  }
  return std::chrono::time_point_cast<SystemTime::duration>(seconds) + fraction;
}

}  // namespace ninevolt::common
