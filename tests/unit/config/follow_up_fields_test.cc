// A monitor's reminder-interval, escalation and flap limits, and an alerter's reminder-interval:
// bounded, sorted, and every problem named by its field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/spec.h"
#include "helpers.h"
#include "support/check_types.h"

namespace ninevolt::config {
namespace {

using namespace std::chrono_literals;
using cfgtest::monitorYaml;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kBase = "type: tcp\nhost: 127.0.0.1\nport: 5432\ninterval: 10s\n";
NV_CHECK_TYPE_SUITE(FollowUpFields, "tcp");

TEST_F(FollowUpFields, ReminderAndEscalationAreReadAndStepsSortedByAfter) {
  auto m = monitorYaml(kBase +
                       "reminder-interval: 30m\n"
                       "escalation:\n"
                       "  - {after: 1h, alerters: [boss]}\n"
                       "  - {after: 15m, alerters: [lead, pager]}\n");
  ASSERT_TRUE(m.spec) << ::testing::PrintToString(m.problems);
  EXPECT_EQ(m.spec->reminder_interval, 30min);
  ASSERT_EQ(m.spec->escalation.size(), 2u);
  EXPECT_EQ(m.spec->escalation[0].after, 15min);
  EXPECT_THAT(m.spec->escalation[0].alerters, ElementsAre("lead", "pager"));
  EXPECT_EQ(m.spec->escalation[1].after, 1h);
  auto eff = effectiveMonitor(*m.spec);
  EXPECT_EQ(eff["reminder-interval"], "30m");
  EXPECT_EQ(eff["escalation"][0]["after"], "15m");
  // Unset: no reminders, no escalation.
  auto plain = monitorYaml(kBase);
  ASSERT_TRUE(plain.spec);
  EXPECT_FALSE(plain.spec->reminder_interval);
  EXPECT_THAT(plain.spec->escalation, IsEmpty());
}

TEST_F(FollowUpFields, BadValuesAreNamedByField) {
  auto problems = [](const std::string& extra) { return monitorYaml(kBase + extra).problems; };
  EXPECT_THAT(problems("reminder-interval: 9s\n"),
              ElementsAre(HasSubstr("reminder-interval: must be between 10s and")));
  EXPECT_THAT(problems("reminder-interval: 9000h\n"),
              ElementsAre(HasSubstr("reminder-interval: must be between")));
  EXPECT_THAT(problems("reminder-interval: -1m\n"), ElementsAre(HasSubstr("reminder-interval")));
  EXPECT_THAT(problems("escalation: {after: 1m}\n"),
              ElementsAre(HasSubstr("escalation: expected a list of steps")));
  EXPECT_THAT(problems("escalation: [7]\n"),
              ElementsAre(HasSubstr("escalation[0]: expected a map")));
  EXPECT_THAT(problems("escalation: [{alerters: [a]}]\n"),
              ElementsAre(HasSubstr("escalation[0].after: required field is missing")));
  EXPECT_THAT(problems("escalation: [{after: 5m}]\n"),
              ElementsAre(HasSubstr("escalation[0].alerters: required field is missing")));
  EXPECT_THAT(problems("escalation: [{after: 5m, alerters: []}]\n"),
              ElementsAre(HasSubstr("escalation[0].alerters: names no alerter")));
  EXPECT_THAT(problems("escalation: [{after: 0s, alerters: [a]}]\n"),
              ElementsAre(HasSubstr("escalation[0].after")));
  EXPECT_THAT(problems("escalation: [{after: 9000h, alerters: [a]}]\n"),
              ElementsAre(HasSubstr("escalation[0].after: 9000h is longer than")));
  EXPECT_THAT(problems("escalation: [{after: 5m, alerters: [a]}, {after: 5m, alerters: [b]}]\n"),
              ElementsAre(HasSubstr("escalation[1].after: another step has after: 5m too")));
  EXPECT_THAT(problems("escalation: [{after: 5m, alerter: [a]}]\n"),
              ElementsAre(HasSubstr("unknown field 'alerter' (did you mean 'alerters'?)"),
                          HasSubstr("escalation[0].alerters: required")));
  EXPECT_THAT(problems("escalation: [{after: 5m, alerters: a}]\n"),
              ElementsAre(HasSubstr("escalation[0].alerters")));
  std::string many = "escalation:\n";
  for (int i = 1; i <= 21; ++i) {
    many += "  - {after: " + std::to_string(i) + "m, alerters: [a]}\n";
  }
  EXPECT_THAT(problems(many), ElementsAre(HasSubstr("21 steps; at most 20")));
  // Every problem at once, not just the first.
  EXPECT_EQ(problems("reminder-interval: 1s\nescalation: [{after: x}, 5]\n").size(), 4u);
}

TEST_F(FollowUpFields, EscalationAlertersMustExist) {
  auto m = monitorYaml(kBase + "escalation: [{after: 1h, alerters: [pagr]}]\n");
  ASSERT_TRUE(m.spec);
  EXPECT_THAT(cfgtest::strings(checkAlerterReferences(*m.spec, {"pager"})),
              ElementsAre(HasSubstr("escalation (after 1h).alerters: unknown alerter 'pagr' "
                                    "(did you mean 'pager'?)")));
  EXPECT_THAT(cfgtest::strings(checkAlerterReferences(*m.spec, {"pagr"})), IsEmpty());
}

// As `9volt cfg` and the API check them: from the value as written, also when the monitor
// has other problems.
TEST_F(FollowUpFields, EscalationAlertersAreCheckedInTheValueAsWritten) {
  auto value = cfgtest::yaml(kBase + "timeout: 99s\ncritical-alerter: [pager]\n"
                                     "escalation: [{after: 1h, alerters: [pagr, boss]}, 7]\n");
  EXPECT_THAT(cfgtest::strings(checkAlerterReferences("web", value, {"pager", "boss"})),
              ElementsAre(HasSubstr("escalation (after 1h).alerters: unknown alerter 'pagr'")));
  EXPECT_THAT(cfgtest::strings(checkAlerterReferences("web", nlohmann::json(7), {"pager"})),
              IsEmpty());
}

TEST(AlerterFollowUp, AnAlerterMayHaveItsOwnReminderInterval) {
  auto a =
      cfgtest::alerter(cfgtest::yaml("type: webhook\nreminder-interval: 2h\n"
                                     "options: {url: \"http://127.0.0.1:1/\"}\n"));
  ASSERT_TRUE(a.spec) << ::testing::PrintToString(a.problems);
  EXPECT_EQ(a.spec->reminder_interval, 2h);
  auto bad =
      cfgtest::alerter(cfgtest::yaml("type: webhook\nreminder-interval: 5s\n"
                                     "options: {url: \"http://127.0.0.1:1/\"}\n"));
  EXPECT_THAT(bad.problems, ElementsAre(HasSubstr("reminder-interval: must be between 10s")));
  auto typo =
      cfgtest::alerter(cfgtest::yaml("type: webhook\nreminder-intervl: 5m\n"
                                     "options: {url: \"http://127.0.0.1:1/\"}\n"));
  EXPECT_THAT(typo.problems, ElementsAre(HasSubstr("did you mean 'reminder-interval'")));
}

}  // namespace
}  // namespace ninevolt::config

namespace ninevolt::config {
namespace {

using cfgtest::monitorYaml;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kFlapBase = "type: tcp\nhost: 127.0.0.1\nport: 5432\ninterval: 10s\n";
NV_CHECK_TYPE_SUITE(FlapFields, "tcp");

TEST_F(FlapFields, DefaultsAndWrittenValues) {
  auto plain = monitorYaml(kFlapBase);
  ASSERT_TRUE(plain.spec);
  EXPECT_TRUE(plain.spec->flap_detection);
  EXPECT_EQ(plain.spec->flap_low, 25);
  EXPECT_EQ(plain.spec->flap_high, 50);
  auto m = monitorYaml(kFlapBase + "flap-detection: false\nflap-low: 10\nflap-high: 80\n");
  ASSERT_TRUE(m.spec) << ::testing::PrintToString(m.problems);
  EXPECT_FALSE(m.spec->flap_detection);
  EXPECT_EQ(m.spec->flap_low, 10);
  EXPECT_EQ(m.spec->flap_high, 80);
  auto eff = effectiveMonitor(*m.spec);
  EXPECT_EQ(eff["flap-high"], 80);
  EXPECT_EQ(eff["flap-detection"], false);
}

TEST_F(FlapFields, BadValuesAreNamedByField) {
  auto problems = [](const std::string& extra) { return monitorYaml(kFlapBase + extra).problems; };
  EXPECT_THAT(problems("flap-low: 60\n"),
              ElementsAre(HasSubstr("flap-low: flap-low 60 must be below flap-high 50 (the "
                                    "default; set it too)")));
  EXPECT_THAT(problems("flap-low: 40\nflap-high: 40\n"),
              ElementsAre(HasSubstr("flap-low: flap-low 40 must be below flap-high 40")));
  EXPECT_THAT(problems("flap-high: 20\n"),
              ElementsAre(HasSubstr("flap-high: flap-low 25 must be below flap-high 20")));
  EXPECT_THAT(problems("flap-high: 101\n"), ElementsAre(HasSubstr("flap-high")));
  EXPECT_THAT(problems("flap-low: -1\n"), ElementsAre(HasSubstr("flap-low")));
  // 0 would never stop flapping (the percent is never below it).
  EXPECT_THAT(problems("flap-low: 0\n"), ElementsAre(HasSubstr("flap-low")));
  EXPECT_THAT(problems("flap-high: 50.5\n"), ElementsAre(HasSubstr("flap-high")));
  EXPECT_THAT(problems("flap-detection: maybe\n"), ElementsAre(HasSubstr("flap-detection")));
  EXPECT_THAT(problems("flap_high: 60\n"), ElementsAre(HasSubstr("flap-high")));  // did you mean
}

}  // namespace
}  // namespace ninevolt::config
