// common::printable / validUtf8 / dumpJson and the tolerant JSON field reads.
#include "common/printable.h"

#include <gtest/gtest.h>

#include "common/json_fields.h"

namespace ninevolt::common {
namespace {

TEST(Printable, EscapesControlBytesAndInvalidUtf8) {
  EXPECT_EQ(printable("we\x01ird\xff"), "we\\x01ird\\xff");
  EXPECT_EQ(printable("a\nb\tc\rd\x7f"), "a\\nb\\tc\\rd\\x7f");
  EXPECT_EQ(printable("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(printable(std::string("nul\0x", 5)), "nul\\x00x");
  // Valid UTF-8 stays; C1 controls and bidi overrides do not.
  EXPECT_EQ(printable("caf\xc3\xa9 \xe2\x9c\x93"), "caf\xc3\xa9 \xe2\x9c\x93");
  EXPECT_EQ(printable("\xc2\x85"), "\\u{85}");
  EXPECT_EQ(printable("a\xe2\x80\xae"
                      "b"),
            "a\\u{202e}b");
  // Overlong forms, surrogates, beyond U+10FFFF and truncated sequences: byte by byte.
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");
  EXPECT_EQ(printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
  EXPECT_EQ(printable("\xe2\x9c"), "\\xe2\\x9c");
  // Printable text comes back as it is, so printing twice changes nothing.
  EXPECT_EQ(printable(printable("we\x01ird\xff")), "we\\x01ird\\xff");
  EXPECT_EQ(printable("plain-name_1.x"), "plain-name_1.x");
}

TEST(Printable, CutsLongTextAndSaysHowLong) {
  std::string big(10000, 'a');
  auto out = printable(big, 16);
  EXPECT_EQ(out, "aaaaaaaaaaaaaaaa... (10000 bytes)");
  // Never inside a character or an escape.
  EXPECT_EQ(printable("\xc3\xa9\xc3\xa9", 3), "\xc3\xa9... (4 bytes)");
  EXPECT_EQ(printable("a\xff", 3), "a... (2 bytes)");
}

TEST(Printable, ValidUtf8) {
  EXPECT_TRUE(validUtf8(""));
  EXPECT_TRUE(validUtf8("caf\xc3\xa9 \xf0\x9f\x94\x8b"));
  EXPECT_FALSE(validUtf8("\xff"));
  EXPECT_FALSE(validUtf8("\xc0\x80"));
  EXPECT_FALSE(validUtf8("\xed\xbf\xbf"));
  EXPECT_FALSE(validUtf8("\xf0\x9f\x94"));
}

TEST(DumpJson, NeverThrowsOnStringsThatAreNotUtf8) {
  nlohmann::json j{{"name", "we\x01ird\xff"}};
  EXPECT_THROW((void)j.dump(), nlohmann::json::type_error);  // what dumpJson avoids
  std::string out;
  ASSERT_NO_THROW(out = dumpJson(j));
  EXPECT_EQ(out, "{\"name\":\"we\\u0001ird\xef\xbf\xbd\"}");
  EXPECT_EQ(nlohmann::json::parse(out)["name"], "we\x01ird\xef\xbf\xbd");
  EXPECT_EQ(dumpJson(nlohmann::json{{"a", 1}}, 2), "{\n  \"a\": 1\n}");
}

TEST(JsonFields, WrongTypesGiveTheFallbackInsteadOfThrowing) {
  auto j = nlohmann::json::parse(
      R"({"s":"x","b":true,"i":7,"big":18446744073709551615,"f":1.5,"n":null,"arr":[1]})");
  EXPECT_EQ(stringField(j, "s"), "x");
  EXPECT_EQ(stringField(j, "b", "d"), "d");
  EXPECT_EQ(stringField(j, "missing", "d"), "d");
  EXPECT_TRUE(boolField(j, "b", false));
  EXPECT_FALSE(boolField(j, "s", false));
  EXPECT_EQ(intField(j, "i", 0), 7);
  EXPECT_EQ(intField(j, "big", -1), -1);
  EXPECT_EQ(intField(j, "f", -1), -1);
  EXPECT_EQ(intField(j, "s", -1), -1);
  EXPECT_EQ(findField(j, "n")->type(), nlohmann::json::value_t::null);
  EXPECT_EQ(findField(j, "missing"), nullptr);
  // Not an object at all.
  EXPECT_EQ(stringField(nlohmann::json::array(), "s", "d"), "d");
  EXPECT_EQ(findField(nlohmann::json("text"), "s"), nullptr);
  // What nlohmann's own value() does with the same input.
  EXPECT_THROW((void)j.value("b", std::string()), nlohmann::json::type_error);
}

}  // namespace
}  // namespace ninevolt::common
