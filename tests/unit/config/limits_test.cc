// Issue 11: limits and hostile values in monitor and alerter configs. Every one is a problem
// naming the object and the field, never a crash or an exception.

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/utf8.h"
#include "config/spec.h"
#include "helpers.h"

namespace ninevolt::config {
namespace {

using namespace std::chrono_literals;
using cfgtest::monitor;
using cfgtest::monitorYaml;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kTcp = "type: tcp\nhost: 127.0.0.1\ninterval: 10s\n";

TEST(ConfigLimits, OverflowingNumbersNameTheFieldInsteadOfAborting) {
  for (const char* v : {"1e999", "1e-999", "0xFFFFFFFFFFFFFFFFFFFFFF", "99999999999999999999"}) {
    auto m = monitorYaml(kTcp + "port: " + v + "\n");
    ASSERT_THAT(m.problems,
                ElementsAre(HasSubstr(std::string("monitor 'web': port: number ") + v
                                      + " is out of range: must be between 1 and 65535")))
        << v;
  }
  auto t = monitorYaml("type: http\nhost: h\ninterval: 1e999\n");
  EXPECT_THAT(t.problems,
              ElementsAre(HasSubstr("interval: 1e999 has no unit and is out of range")));
}

TEST(ConfigLimits, AnIntegerAboveTheMaximumSaysSo) {
  // It said "must be greater than 0" (the int overflowed on the way).
  auto m = monitorYaml(kTcp + "port: 80\nread-size: 99999999999999\n");
  EXPECT_THAT(m.problems,
              ElementsAre("monitor 'web': read-size: must be between 1 and 2147483647, got "
                          "99999999999999"));
  EXPECT_THAT(monitorYaml(kTcp + "port: 80\nread-size: 0\n").problems,
              ElementsAre(HasSubstr("read-size: must be greater than 0, got 0")));
}

TEST(ConfigLimits, IntervalHasAMinimum) {
  for (const char* v : {"1ns", "1ms", "99ms"}) {
    auto m = monitorYaml(std::string("type: tcp\nhost: h\nport: 1\ninterval: ") + v + "\n");
    EXPECT_THAT(m.problems,
                ElementsAre(HasSubstr("interval: must be at least 100ms, got " + std::string(v))))
        << v;
  }
  auto ok = monitorYaml("type: tcp\nhost: h\nport: 1\ninterval: 100ms\n");
  ASSERT_TRUE(ok.spec) << ::testing::PrintToString(ok.problems);
  EXPECT_EQ(ok.spec->interval, 100ms);
}

TEST(ConfigLimits, NamesSayWhichCharacterIsWrongAndArePrintedSafely) {
  auto m = monitor(cfgtest::yaml(kTcp + "port: 1\n"), "we\x01ird\xff");
  ASSERT_EQ(m.problems.size(), 1U);
  EXPECT_THAT(m.problems[0], HasSubstr("monitor 'we\\x01ird\\xff'"));
  EXPECT_THAT(m.problems[0], HasSubstr("'\\x01' at byte 3 is not allowed"));
  EXPECT_TRUE(common::validUtf8(m.problems[0]));

  auto long_name = monitor(cfgtest::yaml(kTcp + "port: 1\n"), std::string(10'000, 'n'));
  ASSERT_EQ(long_name.problems.size(), 1U);
  EXPECT_THAT(long_name.problems[0], HasSubstr("10000 bytes long"));
  EXPECT_LT(long_name.problems[0].size(), 400U);  // the name is cut in the message

  EXPECT_THAT(monitor(cfgtest::yaml(kTcp + "port: 1\n"), "caf\xc3\xa9").problems,
              ElementsAre(HasSubstr("a non-ASCII character at byte 4")));
  EXPECT_THAT(monitor(cfgtest::yaml(kTcp + "port: 1\n"), "..").problems,
              ElementsAre(HasSubstr("invalid name")));
  EXPECT_EQ(nameProblem("web-1.prod_x"), "");
}

TEST(ConfigLimits, StringsListsAndObjectsAreBounded) {
  auto desc = monitorYaml(kTcp + "port: 1\ndescription: " + std::string(70'000, 'd') + "\n");
  EXPECT_THAT(desc.problems,
              ElementsAre(HasSubstr("description: is 70000 bytes long; at most 65536")));

  std::string tags = "tags: [";
  for (int i = 0; i < 1001; ++i) {
    tags += (i ? ",t" : "t") + std::to_string(i);
  }
  auto many = monitorYaml(kTcp + "port: 1\n" + tags + "]\n");
  EXPECT_THAT(many.problems, ElementsAre(HasSubstr("tags: has 1001 items; at most 1000")));

  nlohmann::json http = cfgtest::yaml("type: http\nhost: h\ninterval: 10s\n");
  for (int i = 0; i < 5; ++i) {
    http["headers"]["X-" + std::to_string(i)] = std::string(60'000, 'h');
  }
  EXPECT_THAT(monitor(http).problems, ElementsAre(HasSubstr("bytes as JSON; at most 262144")));
}

TEST(ConfigLimits, NonUtf8StringsFromAnySourceAreProblemsNotExceptions) {
  // A json value built in memory (not through the parsers) may carry any bytes.
  nlohmann::json value = cfgtest::yaml(kTcp + "port: 1\n");
  value["description"] = "\xff\xfe";
  value["tags"] = {"ok", "bad\xc3"};
  auto m = monitor(value);
  EXPECT_THAT(m.problems, ElementsAre(HasSubstr("description: not valid UTF-8 (byte \\xff"),
                                      HasSubstr("tags[1]: not valid UTF-8")));
  for (const auto& p : m.problems) {
    EXPECT_TRUE(common::validUtf8(p)) << p;
  }
}

// Placement (the director, GET /cluster, GET /state) reads only the member-tag and whether a
// monitor is disabled, from values that may not parse: the same answer as a parse where one
// exists, and no exception, no guess, where not.
TEST(ConfigLimits, PlacementReadsTheMemberTagAndDisabledOfAnyStoredValue) {
  auto tagged = monitorYaml(kTcp + "port: 1\nmember-tag: eu\ndisable: true\n");
  ASSERT_TRUE(tagged.spec);
  auto p = placementOf(tagged.spec->raw);
  EXPECT_EQ(p.member_tag, tagged.spec->member_tag);
  EXPECT_EQ(p.disabled, tagged.spec->disable);
  EXPECT_EQ(p.member_tag, "eu");
  EXPECT_TRUE(placementOf(nlohmann::json{{"enabled", false}}).disabled);
  EXPECT_FALSE(placementOf(nlohmann::json{{"disable", "yes"}}).disabled);  // not a boolean
  EXPECT_EQ(placementOf(nlohmann::json{{"member-tag", 7}}).member_tag, "");
  for (const auto& odd : {nlohmann::json(), nlohmann::json("text"), nlohmann::json::array()}) {
    auto none = placementOf(odd);
    EXPECT_EQ(none.member_tag, "");
    EXPECT_FALSE(none.disabled);
  }
}

TEST(ConfigLimits, EnabledFromTheOriginalIsTheInverseOfDisable) {
  auto on = monitorYaml(kTcp + "port: 1\nenabled: true\n");
  ASSERT_TRUE(on.spec) << ::testing::PrintToString(on.problems);
  EXPECT_FALSE(on.spec->disable);
  auto off = monitorYaml(kTcp + "port: 1\nenabled: false\n");
  ASSERT_TRUE(off.spec);
  EXPECT_TRUE(off.spec->disable);
  EXPECT_TRUE(monitorDisabled(off.spec->raw));
  EXPECT_FALSE(monitorDisabled(on.spec->raw));
  EXPECT_TRUE(monitorYaml(kTcp + "port: 1\nenabled: true\ndisable: false\n").spec);
  auto both = monitorYaml(kTcp + "port: 1\nenabled: true\ndisable: true\n");
  EXPECT_THAT(both.problems, ElementsAre(HasSubstr("enabled: enabled: true contradicts disable: "
                                                   "true")));
  EXPECT_THAT(monitorYaml(kTcp + "port: 1\nenabled: yes\n").problems,
              ElementsAre(HasSubstr("enabled: expected a boolean")));
}

TEST(ConfigLimits, TheOriginalsExampleConfigIsAccepted) {
  // From the original 9volt's docs: http checks carry `enabled: true`.
  auto m = monitorYaml(
      "type: http\nhost: 127.0.0.1\nport: 8080\ninterval: 10s\ntimeout: 5s\nenabled: true\n"
      "url: /\nwarning-threshold: 1\ncritical-threshold: 3\n");
  EXPECT_TRUE(m.spec) << ::testing::PrintToString(m.problems);
}

}  // namespace
}  // namespace ninevolt::config
