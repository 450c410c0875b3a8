// Untrusted text in answers: invalid UTF-8 and control characters escaped, long values cut,
// and JSON answers that never fail on what a client or etcd sent (nlohmann's dump() throws
// type_error 316 on invalid UTF-8, which used to turn a 400 or 404 into a 500).
#include "api/escape.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/request.h"

namespace ninevolt::api {
namespace {

using ::testing::HasSubstr;

size_t sequence(std::string_view text, char32_t* cp = nullptr) {
  char32_t ignored = 0;
  return utf8SequenceAt(text, 0, cp != nullptr ? *cp : ignored);
}

TEST(Utf8SequenceAt, AcceptsValidAndRefusesEveryKindOfInvalid) {
  char32_t cp = 0;
  EXPECT_EQ(sequence("a", &cp), 1U);
  EXPECT_EQ(cp, U'a');
  EXPECT_EQ(sequence("\xc3\xa9", &cp), 2U);  // é
  EXPECT_EQ(cp, U'\u00e9');
  EXPECT_EQ(sequence("\xe2\x82\xac", &cp), 3U);  // €
  EXPECT_EQ(cp, U'\u20ac');
  EXPECT_EQ(sequence("\xf0\x9f\x98\x80", &cp), 4U);  // U+1F600
  EXPECT_EQ(cp, U'\U0001F600');
  EXPECT_EQ(sequence("\xff"), 0U);              // never in UTF-8
  EXPECT_EQ(sequence("\x80"), 0U);              // a continuation byte alone
  EXPECT_EQ(sequence("\xc0\xaf"), 0U);          // overlong '/'
  EXPECT_EQ(sequence("\xe0\x80\xaf"), 0U);      // overlong, 3 bytes
  EXPECT_EQ(sequence("\xed\xa0\x80"), 0U);      // a surrogate
  EXPECT_EQ(sequence("\xf4\x90\x80\x80"), 0U);  // beyond U+10FFFF
  EXPECT_EQ(sequence("\xe2\x82"), 0U);          // cut short
  EXPECT_EQ(sequence("\xc3("), 0U);             // not followed by a continuation
}

TEST(IsValidUtf8, WholeTextOnly) {
  EXPECT_TRUE(isValidUtf8(""));
  EXPECT_TRUE(isValidUtf8("caf\xc3\xa9 \x01"));  // controls are valid UTF-8
  EXPECT_FALSE(isValidUtf8("caf\xc3"));
  EXPECT_FALSE(isValidUtf8("\xff"));
}

TEST(Printable, EscapesInvalidBytesAndControlsKeepsTheRest) {
  EXPECT_EQ(printable("web-1"), "web-1");
  EXPECT_EQ(printable("\xff"), "\\xff");
  EXPECT_EQ(printable("we\x01ird\xff"), "we\\x01ird\\xff");
  EXPECT_EQ(printable("a\r\nb\x7f"), "a\\x0d\\x0ab\\x7f");
  EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(printable("\xc2\x85"), "\\u0085");  // a C1 control (valid UTF-8)
  EXPECT_EQ(printable("\xe2\x82"), "\\xe2\\x82");
}

TEST(Printable, CutsLongValuesAndSaysHowLong) {
  EXPECT_EQ(printable(std::string(10, 'a'), 4), "aaaa… (10 bytes)");
  EXPECT_EQ(printable(std::string(4, 'a'), 4), "aaaa");
  std::string long_name(10000, 'x');
  EXPECT_EQ(printable(long_name).size(),
            limits::kMaxQuotedBytes + std::string("… (10000 bytes)").size());
  // Never inside a character.
  EXPECT_EQ(printable("\xc3\xa9\xc3\xa9\xc3\xa9", 3), "\xc3\xa9\xc3\xa9… (6 bytes)");
}

TEST(ValidUtf8, EscapesOnlyInvalidBytes) {
  EXPECT_EQ(validUtf8("line\nnext \xc3\xa9"), "line\nnext \xc3\xa9");
  EXPECT_EQ(validUtf8("last read: '\"\xff'"), "last read: '\"\\xff'");
  EXPECT_EQ(validUtf8(std::string(5000, 'a')).size(), 5000U);  // never cut
}

TEST(JsonText, NeverThrowsOnInvalidUtf8) {
  nlohmann::json j{{"we\x01ird\xff", {{"x", "\xfe"}}}};
  EXPECT_THROW((void)j.dump(), nlohmann::json::type_error);  // what used to become a 500
  std::string text;
  ASSERT_NO_THROW(text = jsonText(j));
  auto back = nlohmann::json::parse(text);
  EXPECT_EQ(back.begin().key(), "we\x01ird\xef\xbf\xbd");  // U+FFFD
}

TEST(ResponseError, MessagesQuotingInvalidBytesStayReadableJson) {
  auto r = Response::error(404, "no monitor named '\xff'");
  EXPECT_EQ(r.status, 404);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["message"], "no monitor named '\\xff'");

  auto p = Response::problems(400, {{"", "monitor '\xff'", "ho\xfest", "bad \xfe value"}});
  auto k = nlohmann::json::parse(p.body);
  EXPECT_EQ(k["problems"][0]["object"], "monitor '\\xff'");
  EXPECT_EQ(k["problems"][0]["field"], "ho\\xfest");
  EXPECT_EQ(k["problems"][0]["message"], "bad \\xfe value");
  EXPECT_THAT(k["message"].get<std::string>(), HasSubstr("monitor '\\xff': ho\\xfest"));
}

}  // namespace
}  // namespace ninevolt::api
