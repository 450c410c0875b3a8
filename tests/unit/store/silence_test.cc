// Silence records: what they match, what makes one invalid (naming the field), and reading
// one back from etcd's text, whatever that text is.
#include "store/silence.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ninevolt::store {
namespace {

using namespace std::chrono_literals;

Silence valid() {
  Silence s;
  s.id = "0123456789abcdef";
  s.check = "web-*";
  s.starts = common::SystemTime(1000h);
  s.ends = s.starts + 1h;
  s.created = s.starts;
  return s;
}

std::string firstProblem(const Silence& s) {
  auto p = s.problems();
  return p.empty() ? "" : p.front().toString();
}

TEST(Silence, MatchesByGlobTagsTypeAndMemberTagAllTogether) {
  Silence s = valid();
  EXPECT_TRUE(s.matches("web-1", {}, "http", ""));
  EXPECT_FALSE(s.matches("db-1", {}, "http", ""));
  EXPECT_FALSE(s.matches("web", {}, "http", ""));
  s.tags = {"prod", "eu"};
  EXPECT_TRUE(s.matches("web-1", {"eu", "prod", "x"}, "http", ""));
  EXPECT_FALSE(s.matches("web-1", {"eu"}, "http", ""));  // all of them
  s.type = "tcp";
  EXPECT_FALSE(s.matches("web-1", {"eu", "prod"}, "http", ""));
  s.type.clear();
  s.member_tag = "dc1";
  EXPECT_TRUE(s.matches("web-1", {"eu", "prod"}, "http", "dc1"));
  EXPECT_FALSE(s.matches("web-1", {"eu", "prod"}, "http", ""));
  // Exactly a name (no glob characters), and a glob over every check.
  Silence one = valid();
  one.check = "web-1";
  EXPECT_TRUE(one.matches("web-1", {}, "", ""));
  EXPECT_FALSE(one.matches("web-10", {}, "", ""));
  one.check = "*";
  EXPECT_TRUE(one.matches("anything.at/all", {}, "", ""));
}

TEST(Silence, WithoutTheMonitorOnlyANameSilenceHolds) {
  Silence s = valid();
  EXPECT_TRUE(s.matches("web-1", nullptr));
  s.tags = {"prod"};
  EXPECT_FALSE(s.matches("web-1", nullptr));
}

TEST(Silence, IsActiveFromItsStartUntilJustBeforeItsEnd) {
  Silence s = valid();
  EXPECT_FALSE(s.activeAt(s.starts - 1s));
  EXPECT_TRUE(s.activeAt(s.starts));
  EXPECT_TRUE(s.activeAt(s.ends - 1s));
  EXPECT_FALSE(s.activeAt(s.ends));
}

TEST(Silence, ProblemsNameTheField) {
  EXPECT_EQ(firstProblem(valid()), "");
  Silence s = valid();
  s.check.clear();
  EXPECT_THAT(firstProblem(s), ::testing::HasSubstr("silence: check: a silence needs at least"));
  s = valid();
  s.ends = s.starts;
  EXPECT_THAT(firstProblem(s), ::testing::HasSubstr("silence: ends: "));
  s = valid();
  s.ends = s.starts + Silence::kMaxLength + 1s;
  EXPECT_THAT(firstProblem(s), ::testing::HasSubstr("longer than 366 days"));
  s = valid();
  s.comment = std::string(Silence::kMaxText + 1, 'x');
  EXPECT_THAT(firstProblem(s), ::testing::HasSubstr("silence: comment: 1025 bytes"));
  s = valid();
  s.created_by = "\xff\xfe";
  EXPECT_THAT(firstProblem(s), ::testing::HasSubstr("created-by: not valid UTF-8"));
  s = valid();
  s.check = "web\n";
  EXPECT_THAT(firstProblem(s), ::testing::HasSubstr("check: has a control character"));
  s = valid();
  s.tags = {""};
  EXPECT_THAT(firstProblem(s), ::testing::HasSubstr("tags: an empty tag"));
  s = valid();
  s.tags.assign(Silence::kMaxTags + 1, "t");
  EXPECT_THAT(firstProblem(s), ::testing::HasSubstr("tags: 65 tags"));
  s = valid();
  s.id = "0123456789ABCDEF";
  EXPECT_THAT(firstProblem(s), ::testing::HasSubstr("silence: id: "));
}

TEST(Silence, RoundTripsThroughEtcdText) {
  Silence s = valid();
  s.tags = {"prod"};
  s.type = "http";
  s.member_tag = "dc1";
  s.comment = "deploy ☃";
  s.created_by = "ops";
  auto back = decodeSilence(silenceText(s));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->id, s.id);
  EXPECT_EQ(back->check, s.check);
  EXPECT_EQ(back->tags, s.tags);
  EXPECT_EQ(back->type, s.type);
  EXPECT_EQ(back->member_tag, s.member_tag);
  EXPECT_EQ(back->starts, s.starts);
  EXPECT_EQ(back->ends, s.ends);
  EXPECT_EQ(back->comment, s.comment);
  EXPECT_EQ(back->created_by, s.created_by);
}

TEST(Silence, AnythingElseInEtcdIsRejectedWithAReason) {
  for (
      const char* text :
      {"", "null", "[]", "{}", R"({"id":"0123456789abcdef","check":"x"})",
       R"({"id":"0123456789abcdef","check":"x","starts":"yesterday","ends":"2026-01-01T00:00:00Z"})",
       R"({"id":"0123456789abcdef","check":5,"starts":"2026-01-01T00:00:00Z","ends":"2026-01-02T00:00:00Z"})",
       R"({"id":"0123456789abcdef","check":"x","tags":"prod","starts":"2026-01-01T00:00:00Z","ends":"2026-01-02T00:00:00Z"})",
       R"({"id":"0123456789abcdef","check":"x","starts":"2026-01-02T00:00:00Z","ends":"2026-01-01T00:00:00Z"})",
       "{\"id\":\"0123456789abcdef\",\"check\":\"\xff\",\"starts\":\"2026-01-01T00:00:00Z\","
       "\"ends\":\"2026-01-02T00:00:00Z\"}"}) {
    auto s = decodeSilence(text);
    EXPECT_FALSE(s) << text;
    if (!s) {
      EXPECT_FALSE(s.error().message.empty());
    }
  }
  EXPECT_TRUE(decodeSilence(R"({"id":"0123456789abcdef","check":"x",)"
                            R"("starts":"2026-01-01T00:00:00Z","ends":"2026-01-02T00:00:00Z"})"));
}

TEST(Silence, IdsAreSixteenLowercaseHexDigits) {
  EXPECT_TRUE(validSilenceId("0123456789abcdef"));
  EXPECT_FALSE(validSilenceId("0123456789abcde"));
  EXPECT_FALSE(validSilenceId("0123456789abcdeg"));
  EXPECT_FALSE(validSilenceId("../../monitor/xx"));
  EXPECT_FALSE(validSilenceId(""));
}

}  // namespace
}  // namespace ninevolt::store
