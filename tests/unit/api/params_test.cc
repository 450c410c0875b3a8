// /api/v1's parameter helpers: query numbers that overflow, are negative or are not numbers
// are problems naming the parameter, quoting the value escaped.
#include "api/v1/params.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ninevolt::api::v1 {
namespace {

using ::testing::HasSubstr;

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
