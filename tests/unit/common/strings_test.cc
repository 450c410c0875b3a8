#include "common/strings.h"

#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace ninevolt::common {
namespace {

TEST(Strings, SplitTrimsAndSkipsEmpty) {
  EXPECT_EQ(split(" a, b ,,c ", ','), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(split("a,,b", ',', false), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_TRUE(split("", ',').empty());
}

TEST(Strings, Levenshtein) {
  EXPECT_EQ(levenshtein("", ""), 0u);
  EXPECT_EQ(levenshtein("interval", "intervall"), 1u);
  EXPECT_EQ(levenshtein("kitten", "sitting"), 3u);
}

TEST(Strings, DidYouMeanPicksClosePlausibleCandidate) {
  std::vector<std::string_view> fields{"interval", "timeout", "host", "port"};
  EXPECT_EQ(didYouMean("intervall", fields), "interval");
  EXPECT_EQ(didYouMean("timout", fields), "timeout");
  EXPECT_EQ(didYouMean("completely-different", fields), "");
}

}  // namespace
}  // namespace ninevolt::common
