#pragma once

// Cron schedules as crontab(5) writes them: "minute hour day-of-month month day-of-week",
// each `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, or a list of those; months and
// weekdays also by name (jan, mon); weekday 0 and 7 are Sunday. As in Vixie cron, when both
// day-of-month and day-of-week are restricted, a day matching either matches. Used by
// maintenance windows (config/maintenance.h), which turn a matching local time into an
// instant in their time zone.

#include <bitset>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ninevolt::config {

class CronSchedule {
 public:
  // Errc::kInvalidArgument naming the field and what is wrong with it.
  static Result<CronSchedule> parse(std::string_view text);

  // A civil day (month 1-12, day 1-31, weekday 0 = Sunday) is one the schedule runs on.
  bool runsOnDay(int month, int day, int weekday) const;
  bool hour(int h) const { return hours_.test(static_cast<size_t>(h)); }
  bool minute(int m) const { return minutes_.test(static_cast<size_t>(m)); }

  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;    // 1..31
  std::bitset<13> months_;  // 1..12
  std::bitset<7> weekdays_;
  bool days_restricted_ = false;
  bool weekdays_restricted_ = false;
};

}  // namespace ninevolt::config
