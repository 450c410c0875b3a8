// Nagios output and perfdata parsing (pure functions; no processes).
#include "checks/exec/nagios.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ninevolt::checks::exec {
namespace {

using Values = std::map<std::string, double>;

TEST(NagiosStatus, MapsTheFourCodesAndTheRestToUnknown) {
  EXPECT_EQ(nagiosStatus(0), Status::kOk);
  EXPECT_EQ(nagiosStatus(1), Status::kWarning);
  EXPECT_EQ(nagiosStatus(2), Status::kCritical);
  EXPECT_EQ(nagiosStatus(3), Status::kUnknown);
  EXPECT_EQ(nagiosStatus(4), Status::kUnknown);
  EXPECT_EQ(nagiosStatus(127), Status::kUnknown);
}

TEST(Perfdata, SeveralValuesWithUnitsAndThresholds) {
  EXPECT_EQ(parsePerfdata("time=0.012s;1;2;0; size=512B;;;0 load1=0.5 used=80%;90;95;0;100"),
            (Values{{"time", 0.012}, {"size", 512}, {"load1", 0.5}, {"used", 80}}));
}

TEST(Perfdata, QuotedLabelsWithSpacesAndQuotes) {
  EXPECT_EQ(parsePerfdata("'/ used'=10MB;80;90;0;100 'it''s'=3c"),
            (Values{{"/ used", 10}, {"it's", 3}}));
}

TEST(Perfdata, NegativeExponentAndDecimalComma) {
  EXPECT_EQ(parsePerfdata("a=-3 b=+4.5 c=1e3ms d=0,25"),
            (Values{{"a", -3}, {"b", 4.5}, {"c", 1000}, {"d", 0.25}}));
}

TEST(Perfdata, BadItemsAreSkippedNotFatal) {
  EXPECT_EQ(parsePerfdata("u=U;1;2 noequals =5 x=inf y=nan 'open=1 ok=7"),
            (Values{}));  // an unterminated quote swallows the rest
  EXPECT_EQ(parsePerfdata("u=U junk ok=7 =5 also=bad"), (Values{{"ok", 7}}));
  EXPECT_EQ(parsePerfdata(""), Values{});
  EXPECT_EQ(parsePerfdata("   "), Values{});
}

TEST(NagiosOutput, MessageIsTheFirstLineBeforeTheBar) {
  auto out =
      parseNagiosOutput("DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968\n");
  EXPECT_EQ(out.message, "DISK OK - free space: / 3326 MB (56%);");
  EXPECT_EQ(out.perfdata, (Values{{"/", 2643}}));
}

TEST(NagiosOutput, LongOutputCarriesMorePerfdata) {
  auto out = parseNagiosOutput(
      "DISK OK | /=2643MB;5948;5958;0;5968\n"
      "/ 15272 MB (77%);\n"
      "/boot 68 MB (69%); | /boot=68MB;88;93;0;98\n"
      "/home=69357MB;253404;253409;0;253414\n");
  EXPECT_EQ(out.message, "DISK OK");
  EXPECT_EQ(out.perfdata, (Values{{"/", 2643}, {"/boot", 68}, {"/home", 69357}}));
}

TEST(NagiosOutput, NoPerfdataNoNewline) {
  auto out = parseNagiosOutput("PING OK - Packet loss = 0%");
  EXPECT_EQ(out.message, "PING OK - Packet loss = 0%");
  EXPECT_TRUE(out.perfdata.empty());
  EXPECT_EQ(parseNagiosOutput("").message, "");
}

}  // namespace
}  // namespace ninevolt::checks::exec
