// /api/v1's parameter helpers: a name's problem names the character (escaped), query numbers
// that overflow, are negative or are not UTF-8 are problems naming the parameter.
#include "api/v1/params.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/spec.h"

namespace ninevolt::api::v1 {
namespace {

using ::testing::HasSubstr;

TEST(NameProblem, AgreesWithConfigValidName) {
  for (const std::string& name : std::vector<std::string>{
           "web", "web-1.prod_x", "A", std::string(128, 'a'), std::string(129, 'a'), "", ".", "..",
           "...", "a/b", "a b", "caf\xc3\xa9", "\xff", "we\x01ird", "a\x7f", "a%2Fb", "-"}) {
    EXPECT_EQ(nameProblem(name).has_value(), !config::validName(name)) << name;
  }
  std::string with_nul("a\0b", 3);
  EXPECT_EQ(nameProblem(with_nul).has_value(), !config::validName(with_nul));
}

TEST(NameProblem, NamesTheCharacterEscaped) {
  EXPECT_THAT(*nameProblem("\xff"), HasSubstr("byte 0xff at position 1 is not valid UTF-8"));
  EXPECT_THAT(*nameProblem("ok\xc3("), HasSubstr("byte 0xc3 at position 3 is not valid UTF-8"));
  EXPECT_THAT(*nameProblem("we\x01ird"),
              HasSubstr("control character U+0001 at position 3 is not allowed"));
  EXPECT_THAT(*nameProblem("caf\xc3\xa9"),
              HasSubstr("character '\xc3\xa9' (U+00E9) at position 4 is not allowed"));
  EXPECT_THAT(*nameProblem("a/b"), HasSubstr("character '/' (U+002F) at position 2"));
  EXPECT_THAT(*nameProblem(std::string(10000, 'a')), HasSubstr("it is 10000 bytes long"));
  EXPECT_THAT(*nameProblem(""), HasSubstr("it is empty"));
  EXPECT_THAT(*nameProblem(".."), HasSubstr("'..' is not a name"));
  // Every message says the rule, and is printable as it is.
  for (const char* bad : {"\xff", "we\x01ird", ".."}) {
    EXPECT_THAT(*nameProblem(bad), HasSubstr("use 1 to 128 of A-Z a-z 0-9 . _ -"));
    EXPECT_EQ(nameProblem(bad)->find('\x01'), std::string::npos);
    EXPECT_EQ(nameProblem(bad)->find('\xff'), std::string::npos);
  }
  EXPECT_FALSE(nameProblem("web-1"));
}

Request withQuery(const std::string& key, const std::string& value) {
  Request r;
  r.query[key] = value;
  return r;
}

TEST(LimitParam, RefusesOverflowNegativeAndNonNumbersNamingTheParameter) {
  for (std::string bad : {"99999999999999999999999", "18446744073709551616", "-1", "0", "10001",
                          "+5", "1e3", "", " 5", "5 ", "\xff", "0x10"}) {
    config::Problems problems;
    EXPECT_EQ(limitParam(withQuery("limit", bad), 1000, 10000, problems), 1000U) << bad;
    ASSERT_EQ(problems.size(), 1U) << bad;
    EXPECT_EQ(problems[0].object, "query");
    EXPECT_EQ(problems[0].field, "limit");
    EXPECT_THAT(problems[0].message, HasSubstr("1..10000"));
  }
  config::Problems problems;
  limitParam(withQuery("limit", "\xff"), 1000, 10000, problems);
  EXPECT_THAT(problems[0].message, HasSubstr("'\\xff'"));
  config::Problems none;
  EXPECT_EQ(limitParam(withQuery("limit", "10000"), 1000, 10000, none), 10000U);
  EXPECT_EQ(limitParam(Request{}, 1000, 10000, none), 1000U);
  EXPECT_TRUE(none.empty());
}

TEST(BoolParam, QuotesWhatItRefusesEscaped) {
  config::Problems problems;
  EXPECT_FALSE(boolParam(withQuery("disable", "tr\xffue"), "disable", problems));
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_EQ(problems[0].field, "disable");
  EXPECT_THAT(problems[0].message, HasSubstr("'tr\\xffue'"));
  EXPECT_EQ(boolParam(withQuery("disable", "yes"), "disable", problems), true);
}

}  // namespace
}  // namespace ninevolt::api::v1
