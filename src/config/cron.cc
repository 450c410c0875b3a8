#include "config/cron.h"

#include <array>
#include <charconv>
#include <vector>

#include <fmt/format.h>

#include "common/printable.h"

namespace ninevolt::config {
namespace {

constexpr std::array<std::string_view, 12> kMonths{"jan", "feb", "mar", "apr", "may", "jun",
                                                   "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kWeekdays{"sun", "mon", "tue", "wed",
                                                    "thu", "fri", "sat"};

struct Field {
  const char* name;
  int min;
  int max;
  const std::string_view* names;  // names[i] is value i + names_base
  size_t name_count;
  int names_base;
};

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    out.push_back(
        s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) {
      return out;
    }
    start = at + 1;
  }
}

Result<int> value(std::string_view text, const Field& f) {
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) {
    if (v < f.min || v > f.max) {
      return fail(Errc::kInvalidArgument,
                  fmt::format("{}: {} is outside {}-{}", f.name, v, f.min, f.max));
    }
    return v;
  }
  std::string lower;
  for (char c : text) {
    lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  for (size_t i = 0; i < f.name_count; ++i) {
    if (lower == f.names[i]) {
      return static_cast<int>(i) + f.names_base;
    }
  }
  return fail(Errc::kInvalidArgument,
              fmt::format("{}: '{}' is not a number{}", f.name, common::printable(text, 20),
                          f.name_count > 0 ? " or a name" : ""));
}

// Sets the bits of one field; returns whether it was `*` (unrestricted).
template <size_t N>
Result<bool> parseField(std::string_view text, const Field& f, std::bitset<N>& bits) {
  if (text.empty()) {
    return fail(Errc::kInvalidArgument, fmt::format("{}: empty", f.name));
  }
  bool star = false;
  for (auto part : split(text, ',')) {
    int step = 1;
    if (auto slash = part.find('/'); slash != std::string_view::npos) {
      auto s = part.substr(slash + 1);
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), step);
      if (ec != std::errc() || end != s.data() + s.size() || s.empty() || step < 1
          || step > f.max) {
        return fail(Errc::kInvalidArgument,
                    fmt::format("{}: step '{}' is not a number from 1 to {}", f.name,
                                common::printable(s, 20), f.max));
      }
      part = part.substr(0, slash);
    }
    int lo = f.min;
    int hi = f.max;
    if (part == "*") {
      star = star || step == 1;
    } else if (auto dash = part.find('-'); dash != std::string_view::npos && dash > 0) {
      auto a = value(part.substr(0, dash), f);
      auto b = value(part.substr(dash + 1), f);
      if (!a) {
        return tl::unexpected(a.error());
      }
      if (!b) {
        return tl::unexpected(b.error());
      }
      lo = *a;
      hi = *b;
      if (lo > hi) {
        return fail(Errc::kInvalidArgument,
                    fmt::format("{}: range {}-{} goes backwards", f.name, lo, hi));
      }
    } else {
      auto a = value(part, f);
      if (!a) {
        return tl::unexpected(a.error());
      }
      lo = *a;
      hi = step > 1 ? f.max : *a;  // "5/15": from 5, every 15
    }
    for (int v = lo; v <= hi; v += step) {
      bits.set(static_cast<size_t>(v));
    }
  }
  return star;
}

}  // namespace

Result<CronSchedule> CronSchedule::parse(std::string_view text) {
  std::vector<std::string_view> fields;
  for (auto f : split(text, ' ')) {
    if (!f.empty()) {
      fields.push_back(f);
    }
  }
  if (fields.size() != 5) {
    return fail(Errc::kInvalidArgument,
                fmt::format("'{}' has {} fields; a schedule has 5: minute hour day-of-month "
                            "month day-of-week (like \"0 2 * * sun\")",
                            common::printable(text, 80), fields.size()));
  }
  CronSchedule s;
  s.text_ = std::string(text);
  const Field minute{"minute", 0, 59, nullptr, 0, 0};
  const Field hour{"hour", 0, 23, nullptr, 0, 0};
  const Field dom{"day-of-month", 1, 31, nullptr, 0, 0};
  const Field month{"month", 1, 12, kMonths.data(), kMonths.size(), 1};
  const Field dow{"day-of-week", 0, 7, kWeekdays.data(), kWeekdays.size(), 0};
  std::bitset<8> weekdays;  // 0..7 while parsing
  Result<bool> results[] = {
      parseField(fields[0], minute, s.minutes_), parseField(fields[1], hour, s.hours_),
      parseField(fields[2], dom, s.days_), parseField(fields[3], month, s.months_),
      parseField(fields[4], dow, weekdays)};
  for (auto& r : results) {
    if (!r) {
      return tl::unexpected(r.error());
    }
  }
  for (size_t d = 0; d < 7; ++d) {
    s.weekdays_[d] = weekdays[d];
  }
  if (weekdays[7]) {
    s.weekdays_[0] = true;  // 7 is Sunday too
  }
  s.days_restricted_ = !*results[2];
  s.weekdays_restricted_ = !*results[4];
  return s;
}

bool CronSchedule::runsOnDay(int month, int day, int weekday) const {
  if (!months_.test(static_cast<size_t>(month))) {
    return false;
  }
  const bool by_day = days_.test(static_cast<size_t>(day));
  const bool by_weekday = weekdays_.test(static_cast<size_t>(weekday));
  if (days_restricted_ && weekdays_restricted_) {
    return by_day || by_weekday;
  }
  return by_day && by_weekday;
}

}  // namespace ninevolt::config
