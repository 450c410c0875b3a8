// Maintenance windows: cron schedules, weekdays and times, one-off windows, time zones and the
// nights clocks change; every problem named by field.
#include "config/maintenance.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/clock.h"

namespace ninevolt::config {
namespace {

using ::testing::HasSubstr;

common::SystemTime at(const char* rfc3339) {
  auto t = common::parseRfc3339(rfc3339);
  EXPECT_TRUE(t) << rfc3339;
  return t ? *t : common::SystemTime{};
}

MaintenanceSpec window(const nlohmann::json& j) {
  Problems problems;
  auto m = parseMaintenance("w", j, problems);
  EXPECT_TRUE(m) << (problems.empty() ? "" : problems.front().toString());
  return m ? *m : MaintenanceSpec{};
}

std::string problemsOf(const nlohmann::json& j) {
  Problems problems;
  EXPECT_FALSE(parseMaintenance("w", j, problems)) << j.dump();
  std::string out;
  for (const auto& p : problems) {
    out += p.toString() + "\n";
  }
  return out;
}

std::string open(const MaintenanceSpec& m, const char* t) {
  auto w = m.windowAt(at(t));
  return w ? common::formatRfc3339(w->start) + " - " + common::formatRfc3339(w->end) : "closed";
}

TEST(Cron, ParsesWhatCrontabWrites) {
  auto s = CronSchedule::parse("*/15 2-4 1,15 jan-mar mon-fri");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->minute(0) && s->minute(45) && !s->minute(5));
  EXPECT_TRUE(s->hour(2) && s->hour(4) && !s->hour(5));
  // Both day fields restricted: either matches (Vixie cron).
  EXPECT_TRUE(s->runsOnDay(1, 15, 0));   // the 15th, a Sunday
  EXPECT_TRUE(s->runsOnDay(2, 3, 2));    // a Tuesday
  EXPECT_FALSE(s->runsOnDay(2, 7, 6));   // neither
  EXPECT_FALSE(s->runsOnDay(4, 15, 3));  // April
  auto sunday = CronSchedule::parse("0 0 * * 7");
  ASSERT_TRUE(sunday);
  EXPECT_TRUE(sunday->runsOnDay(5, 3, 0));
  EXPECT_FALSE(sunday->runsOnDay(5, 4, 1));
}

TEST(Cron, RefusesWhatIsNotASchedule) {
  for (const char* bad : {"", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *",
                          "* * * 13 *", "* * * * 8", "5-1 * * * *", "*/0 * * * *", "x * * * *",
                          "1,,2 * * * *", "* * * foo *", "*/99 * * * *"}) {
    EXPECT_FALSE(CronSchedule::parse(bad)) << bad;
  }
  auto r = CronSchedule::parse("0 25 * * *");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("hour: 25 is outside 0-23"));
}

TEST(Maintenance, AOneOffWindowIsOpenFromItsStartUntilJustBeforeItsEnd) {
  auto m = window(
      {{"check", "db-*"}, {"starts", "2026-12-24T22:00:00Z"}, {"ends", "2026-12-25T02:00:00Z"}});
  EXPECT_EQ(open(m, "2026-12-24T21:59:59Z"), "closed");
  EXPECT_EQ(open(m, "2026-12-24T22:00:00Z"), "2026-12-24T22:00:00Z - 2026-12-25T02:00:00Z");
  EXPECT_EQ(open(m, "2026-12-25T02:00:00Z"), "closed");
  EXPECT_EQ(common::formatRfc3339(*m.nextChange(at("2026-12-01T00:00:00Z"))),
            "2026-12-24T22:00:00Z");
  EXPECT_EQ(common::formatRfc3339(*m.nextChange(at("2026-12-24T23:00:00Z"))),
            "2026-12-25T02:00:00Z");
  EXPECT_FALSE(m.nextChange(at("2026-12-26T00:00:00Z")));
  EXPECT_TRUE(m.notify_after);
}

TEST(Maintenance, ACronWindowOpensEachTimeInItsTimeZone) {
  // Every Sunday 02:00 New York time, for two hours.
  auto m = window({{"tags", {"db"}},
                   {"schedule", "0 2 * * sun"},
                   {"duration", "2h"},
                   {"timezone", "America/New_York"}});
  // 2026-12-06 is a Sunday; New York is UTC-5 in December.
  EXPECT_EQ(open(m, "2026-12-06T07:00:00Z"), "2026-12-06T07:00:00Z - 2026-12-06T09:00:00Z");
  EXPECT_EQ(open(m, "2026-12-06T08:59:59Z"), "2026-12-06T07:00:00Z - 2026-12-06T09:00:00Z");
  EXPECT_EQ(open(m, "2026-12-06T09:00:00Z"), "closed");
  EXPECT_EQ(open(m, "2026-12-07T07:30:00Z"), "closed");  // Monday
  EXPECT_EQ(common::formatRfc3339(*m.nextChange(at("2026-12-06T09:00:00Z"))),
            "2026-12-13T07:00:00Z");
  EXPECT_EQ(common::formatRfc3339(*m.nextChange(at("2026-12-06T07:30:00Z"))),
            "2026-12-06T09:00:00Z");
  // In July New York is UTC-4: the same local time, another instant.
  EXPECT_EQ(open(m, "2026-07-05T06:30:00Z"), "2026-07-05T06:00:00Z - 2026-07-05T08:00:00Z");
}

TEST(Maintenance, WeekdaysAndATimeAreASchedule) {
  auto m = window({{"check", "*"},
                   {"weekdays", {"sat", "sun"}},
                   {"at", "22:30"},
                   {"duration", "90m"},
                   {"timezone", "Europe/Berlin"},
                   {"notify-after", false}});
  EXPECT_FALSE(m.notify_after);
  // Saturday 2026-12-05 22:30 CET = 21:30Z, open until 23:00Z (past midnight local: Sunday).
  EXPECT_EQ(open(m, "2026-12-05T22:59:00Z"), "2026-12-05T21:30:00Z - 2026-12-05T23:00:00Z");
  EXPECT_EQ(open(m, "2026-12-04T21:45:00Z"), "closed");  // Friday
}

TEST(Maintenance, TheNightClocksGoForwardItOpensAtTheChange) {
  // Europe/Berlin, 2026-03-29: 02:00 CET becomes 03:00 CEST; 02:30 does not exist that night.
  auto m = window({{"check", "*"},
                   {"schedule", "30 2 * * *"},
                   {"duration", "1h"},
                   {"timezone", "Europe/Berlin"}});
  EXPECT_EQ(open(m, "2026-03-28T01:45:00Z"), "2026-03-28T01:30:00Z - 2026-03-28T02:30:00Z");
  EXPECT_EQ(open(m, "2026-03-29T01:00:00Z"), "2026-03-29T01:00:00Z - 2026-03-29T02:00:00Z");
  EXPECT_EQ(open(m, "2026-03-29T00:59:59Z"), "closed");
  EXPECT_EQ(open(m, "2026-03-30T00:45:00Z"), "2026-03-30T00:30:00Z - 2026-03-30T01:30:00Z");
}

TEST(Maintenance, TheNightClocksGoBackItOpensOnce) {
  // Europe/Berlin, 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:30 happens twice.
  auto m = window({{"check", "*"},
                   {"schedule", "30 2 * * *"},
                   {"duration", "30m"},
                   {"timezone", "Europe/Berlin"}});
  EXPECT_EQ(open(m, "2026-10-25T00:45:00Z"), "2026-10-25T00:30:00Z - 2026-10-25T01:00:00Z");
  EXPECT_EQ(open(m, "2026-10-25T01:45:00Z"), "closed");  // the second 02:30: not again
  EXPECT_EQ(common::formatRfc3339(*m.nextChange(at("2026-10-25T01:00:00Z"))),
            "2026-10-26T01:30:00Z");
}

TEST(Maintenance, EveryProblemIsNamedAtOnce) {
  auto p = problemsOf({{"schedule", "0 25 * * *"},
                       {"duration", "45d"},
                       {"timezone", "Mars/Olympus_Mons"},
                       {"notify-after", "yes"},
                       {"colour", "red"}});
  EXPECT_THAT(p, HasSubstr("maintenance 'w': check: a window needs at least one of"));
  EXPECT_THAT(p, HasSubstr("schedule: hour: 25 is outside 0-23"));
  EXPECT_THAT(p, HasSubstr("duration: "));
  EXPECT_THAT(p, HasSubstr("timezone: unknown time zone 'Mars/Olympus_Mons'"));
  EXPECT_THAT(p, HasSubstr("notify-after: expected"));
  EXPECT_THAT(p, HasSubstr("colour: unknown field"));

  EXPECT_THAT(problemsOf({{"check", "x"}, {"duration", "1h"}}), HasSubstr("say when it is open"));
  EXPECT_THAT(problemsOf({{"check", "x"}, {"starts", "2026-01-01T00:00:00Z"}}),
              HasSubstr("ends: a one-off window needs both"));
  EXPECT_THAT(
      problemsOf(
          {{"check", "x"}, {"starts", "2026-01-02T00:00:00Z"}, {"ends", "2026-01-01T00:00:00Z"}}),
      HasSubstr("ends: must be after starts"));
  EXPECT_THAT(problemsOf({{"check", "x"}, {"schedule", "0 2 * * *"}}),
              HasSubstr("duration: how long each window is open"));
  EXPECT_THAT(problemsOf({{"check", "x"}, {"schedule", "0 2 * * *"}, {"duration", "800h"}}),
              HasSubstr("duration: longer than 31 days"));
  EXPECT_THAT(
      problemsOf({{"check", "x"}, {"weekdays", {"caturday"}}, {"at", "25:00"}, {"duration", "1h"}}),
      HasSubstr("weekdays: 'caturday' is not a weekday"));
  EXPECT_THAT(
      problemsOf({{"check", "x"}, {"weekdays", {"sat"}}, {"at", "25:00"}, {"duration", "1h"}}),
      HasSubstr("at: '25:00' is not a time of day"));
  EXPECT_THAT(problemsOf({{"check", "x"},
                          {"schedule", "0 2 * * *"},
                          {"duration", "1h"},
                          {"timezone", "../../../etc/passwd"}}),
              HasSubstr("timezone: unknown time zone"));
  EXPECT_THAT(problemsOf({{"check", "x"},
                          {"schedule", "0 2 * * *"},
                          {"duration", "1h"},
                          {"timezone", "/etc/localtime"}}),
              HasSubstr("timezone: unknown time zone"));
  EXPECT_THAT(problemsOf(nlohmann::json::array()), HasSubstr("expected a map"));
}

TEST(Maintenance, ARareScheduleStillFindsItsNextOpening) {
  // The 29th of February only: every four years.
  auto m = window({{"check", "x"}, {"schedule", "0 0 29 2 *"}, {"duration", "1h"}});
  EXPECT_EQ(common::formatRfc3339(*m.nextChange(at("2026-12-06T00:00:00Z"))),
            "2028-02-29T00:00:00Z");
  EXPECT_EQ(open(m, "2028-02-29T00:30:00Z"), "2028-02-29T00:00:00Z - 2028-02-29T01:00:00Z");
}

}  // namespace
}  // namespace ninevolt::config
