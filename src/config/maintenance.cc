#include "config/maintenance.h"

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "config/spec.h"
#include "config/values.h"

namespace ninevolt::config {
namespace {

using common::SystemTime;

constexpr std::string_view kFields[] = {
    "description", "check",    "tags", "type",     "member-tag", "starts",      "ends",
    "schedule",    "weekdays", "at",   "duration", "timezone",   "notify-after"};
constexpr std::string_view kWeekdays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
// Days scanned for the next opening: a schedule like "0 0 29 2 *" opens every four years.
constexpr int kScanDays = 4 * 366 + 1;

SystemTime toSystem(const std::chrono::time_point<std::chrono::system_clock, cctz::seconds>& t) {
  return std::chrono::time_point_cast<SystemTime::duration>(t);
}

// The instant a local time names in the zone. A time skipped by a DST change (02:30 on the
// night clocks go forward) opens at the change, as cron runs such jobs; a repeated one (the
// night they go back) opens the first time.
SystemTime instantOf(const cctz::time_zone& zone, const cctz::civil_second& local) {
  const auto lookup = zone.lookup(local);
  switch (lookup.kind) {
    case cctz::time_zone::civil_lookup::SKIPPED:
      return toSystem(lookup.trans);
    case cctz::time_zone::civil_lookup::REPEATED:
    case cctz::time_zone::civil_lookup::UNIQUE:
      break;
  }
  return toSystem(lookup.pre);
}

int weekdayOf(const cctz::civil_day& d) {
  switch (cctz::get_weekday(d)) {
    case cctz::weekday::sunday:
      return 0;
    case cctz::weekday::monday:
      return 1;
    case cctz::weekday::tuesday:
      return 2;
    case cctz::weekday::wednesday:
      return 3;
    case cctz::weekday::thursday:
      return 4;
    case cctz::weekday::friday:
      return 5;
    case cctz::weekday::saturday:
      return 6;
  }
  return 0;
}

bool runsOn(const CronSchedule& s, const cctz::civil_day& d) {
  return s.runsOnDay(d.month(), d.day(), weekdayOf(d));
}

// The latest opening at or before t, looking back no further than `days` days.
std::optional<SystemTime> latestStart(const MaintenanceSpec& m, SystemTime t, int days) {
  const auto local = cctz::convert(std::chrono::time_point_cast<cctz::seconds>(t), m.zone);
  const cctz::civil_day today(local);
  for (int back = 0; back <= days; ++back) {
    const cctz::civil_day d = today - back;
    if (!runsOn(*m.schedule, d)) {
      continue;
    }
    for (int h = 23; h >= 0; --h) {
      if (!m.schedule->hour(h)) {
        continue;
      }
      for (int min = 59; min >= 0; --min) {
        if (!m.schedule->minute(min)) {
          continue;
        }
        const SystemTime at =
            instantOf(m.zone, cctz::civil_second(d.year(), d.month(), d.day(), h, min, 0));
        if (at <= t) {
          return at;
        }
      }
    }
  }
  return std::nullopt;
}

std::optional<SystemTime> nextStart(const MaintenanceSpec& m, SystemTime t) {
  const auto local = cctz::convert(std::chrono::time_point_cast<cctz::seconds>(t), m.zone);
  const cctz::civil_day today(local);
  for (int ahead = -1; ahead <= kScanDays; ++ahead) {  // -1: a DST change may move it back
    const cctz::civil_day d = today + ahead;
    if (!runsOn(*m.schedule, d)) {
      continue;
    }
    for (int h = 0; h < 24; ++h) {
      if (!m.schedule->hour(h)) {
        continue;
      }
      for (int min = 0; min < 60; ++min) {
        if (!m.schedule->minute(min)) {
          continue;
        }
        const SystemTime at =
            instantOf(m.zone, cctz::civil_second(d.year(), d.month(), d.day(), h, min, 0));
        if (at > t) {
          return at;
        }
      }
    }
  }
  return std::nullopt;
}

// An IANA name as the tz database spells them: no path tricks reach the loader.
bool plausibleZoneName(std::string_view z) {
  if (z.empty() || z.size() > 64 || z.front() == '/' || z.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(z.begin(), z.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/'
           || c == '_' || c == '-' || c == '+';
  });
}

}  // namespace

std::optional<MaintenanceWindow> MaintenanceSpec::windowAt(SystemTime t) const {
  if (!schedule) {
    if (starts && ends && *starts <= t && t < *ends) {
      return MaintenanceWindow{*starts, *ends};
    }
    return std::nullopt;
  }
  const int days = static_cast<int>(std::chrono::ceil<std::chrono::days>(duration).count()) + 2;
  auto start = latestStart(*this, t, days);
  if (!start) {
    return std::nullopt;
  }
  const SystemTime end = *start + std::chrono::duration_cast<SystemTime::duration>(duration);
  if (t < end) {
    return MaintenanceWindow{*start, end};
  }
  return std::nullopt;
}

std::optional<SystemTime> MaintenanceSpec::nextChange(SystemTime t) const {
  std::optional<SystemTime> next;
  auto consider = [&](std::optional<SystemTime> c) {
    if (c && *c > t && (!next || *c < *next)) {
      next = c;
    }
  };
  if (!schedule) {
    consider(starts);
    consider(ends);
    return next;
  }
  if (auto open = windowAt(t)) {
    consider(open->end);
  }
  consider(nextStart(*this, t));
  return next;
}

std::optional<MaintenanceSpec> parseMaintenance(std::string_view name, const nlohmann::json& value,
                                                Problems& problems) {
  detail::ProblemSink sink(fmt::format("maintenance '{}'", name), problems);
  if (auto p = nameProblem(name); !p.empty()) {
    sink.add("", p);
  }
  if (!value.is_object()) {
    sink.add("", "expected a map of fields, got " + detail::describe(value));
    return std::nullopt;
  }
  MaintenanceSpec m;
  m.name = std::string(name);
  std::vector<std::string_view> known(std::begin(kFields), std::end(kFields));
  for (const auto& [key, v] : value.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      sink.add(key, "unknown field" + detail::hint(key, known));
    }
  }
  auto text = [&](const char* field, std::string& out) {
    if (auto it = value.find(field); it != value.end() && !it->is_null()) {
      if (auto s = detail::readString(*it, field, sink)) {
        out = *s;
      }
    }
  };
  auto time = [&](const char* field) -> std::optional<SystemTime> {
    std::string t;
    text(field, t);
    if (t.empty()) {
      return std::nullopt;
    }
    auto parsed = common::parseRfc3339(t);
    if (!parsed) {
      sink.add(field, fmt::format("'{}' is not an RFC 3339 time like 2026-12-24T22:00:00Z", t));
      return std::nullopt;
    }
    return *parsed;
  };
  text("description", m.description);
  text("check", m.check);
  text("type", m.type);
  text("member-tag", m.member_tag);
  if (auto it = value.find("tags"); it != value.end() && !it->is_null()) {
    if (auto tags = detail::readStringList(*it, "tags", sink)) {
      m.tags = *tags;
    }
  }
  if (m.check.empty() && m.tags.empty() && m.type.empty() && m.member_tag.empty()) {
    sink.add("check",
             "a window needs at least one of check, tags, type, member-tag (check: \"*\" covers "
             "every check)");
  }
  if (auto it = value.find("notify-after"); it != value.end() && !it->is_null()) {
    if (auto b = detail::readBool(*it, "notify-after", sink)) {
      m.notify_after = *b;
    }
  }
  text("timezone", m.timezone);
  if (!plausibleZoneName(m.timezone) || !cctz::load_time_zone(m.timezone, &m.zone)) {
    sink.add("timezone", fmt::format("unknown time zone '{}': an IANA name like Europe/Berlin or "
                                     "UTC, from the system's tz database",
                                     m.timezone));
  }
  m.starts = time("starts");
  m.ends = time("ends");
  std::string schedule;
  text("schedule", schedule);
  std::vector<std::string> weekdays;
  if (auto it = value.find("weekdays"); it != value.end() && !it->is_null()) {
    if (auto w = detail::readStringList(*it, "weekdays", sink)) {
      weekdays = *w;
    }
  }
  std::string at;
  text("at", at);
  if (auto it = value.find("duration"); it != value.end() && !it->is_null()) {
    if (auto d = detail::readDuration(*it, "duration", sink)) {
      m.duration = *d;
    }
  }

  const bool once = m.starts || m.ends;
  const bool by_cron = !schedule.empty();
  const bool by_week = !weekdays.empty() || !at.empty();
  if (once + by_cron + by_week != 1) {
    sink.add("",
             "say when it is open in one way: starts and ends (once), schedule (cron) and "
             "duration, or weekdays, at and duration");
  } else if (once) {
    if (!m.starts || !m.ends) {
      sink.add(m.starts ? "ends" : "starts", "a one-off window needs both starts and ends");
    } else if (*m.ends <= *m.starts) {
      sink.add("ends", "must be after starts");
    } else if (*m.ends - *m.starts > MaintenanceSpec::kMaxOnce) {
      sink.add("ends", "the window is longer than 366 days");
    }
    if (m.duration.count() != 0) {
      sink.add("duration", "a one-off window has starts and ends, not a duration");
    }
  } else {
    bool week_ok = true;
    if (by_week) {
      // "weekdays: [sat, sun], at: 02:30" is the schedule "30 2 * * sat,sun".
      int h = -1;
      int min = -1;
      if (at.size() != 5 || at[2] != ':' || std::sscanf(at.c_str(), "%2d:%2d", &h, &min) != 2
          || h < 0 || h > 23 || min < 0 || min > 59) {
        sink.add("at", fmt::format("'{}' is not a time of day like 02:30", at));
        week_ok = false;
      }
      for (const auto& w : weekdays) {
        if (std::find(std::begin(kWeekdays), std::end(kWeekdays), w) == std::end(kWeekdays)) {
          sink.add("weekdays",
                   fmt::format("'{}' is not a weekday; use sun, mon, tue, wed, thu, fri, sat", w));
          week_ok = false;
        }
      }
      if (weekdays.empty()) {
        sink.add("weekdays", "which days: a list like [sat, sun]");
        week_ok = false;
      }
      std::string days;
      for (const auto& w : weekdays) {
        days += (days.empty() ? "" : ",") + w;
      }
      schedule = fmt::format("{} {} * * {}", min, h, days);
    }
    if (week_ok) {
      auto cron = CronSchedule::parse(schedule);
      if (!cron) {
        sink.add("schedule", cron.error().message);
      } else {
        m.schedule = std::move(*cron);
      }
    }
    if (m.duration.count() <= 0) {
      sink.add("duration", "how long each window is open, like 2h");
    } else if (m.duration > MaintenanceSpec::kMaxDuration) {
      sink.add("duration", "longer than 31 days");
    } else if (m.duration < std::chrono::minutes(1)) {
      sink.add("duration", "shorter than a minute");
    }
  }
  if (!sink.clean()) {
    return std::nullopt;
  }
  return m;
}

}  // namespace ninevolt::config
