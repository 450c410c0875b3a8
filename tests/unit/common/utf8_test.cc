#include "common/utf8.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ninevolt::common {
namespace {

TEST(Utf8, WellFormedTextIsValid) {
  EXPECT_TRUE(validUtf8(""));
  EXPECT_TRUE(validUtf8("plain ascii"));
  EXPECT_TRUE(validUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));  // é € 😀
}

TEST(Utf8, MalformedSequencesAreFoundAtTheirOffset) {
  EXPECT_EQ(firstInvalidUtf8("ab\xff"), 2U);
  EXPECT_EQ(firstInvalidUtf8("\xc3"), 0U);              // cut short
  EXPECT_EQ(firstInvalidUtf8("x\xc0\xaf"), 1U);         // overlong '/'
  EXPECT_EQ(firstInvalidUtf8("\xe0\x80\xaf"), 0U);      // overlong, 3 bytes
  EXPECT_EQ(firstInvalidUtf8("\xed\xa0\x80"), 0U);      // a surrogate
  EXPECT_EQ(firstInvalidUtf8("\xf4\x90\x80\x80"), 0U);  // above U+10FFFF
  EXPECT_EQ(firstInvalidUtf8("ok\x80"), 2U);            // a lone continuation byte
}

TEST(Utf8, PrintableEscapesControlBytesAndNonUtf8AndIsAlwaysValidJson) {
  EXPECT_EQ(printable("we\x01ird\xff"), "we\\x01ird\\xff");
  EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(printable("tab\there"), "tab\\x09here");
  EXPECT_EQ(printable(std::string(100, 'a'), 10), std::string(10, 'a') + "...");
  // A multi-byte character cut by the limit is escaped, not split.
  EXPECT_EQ(printable("ab\xc3\xa9", 3), "ab\\xc3...");
  std::string all;
  for (int c = 0; c < 256; ++c) {
    all.push_back(static_cast<char>(c));
  }
  std::string shown = printable(all, all.size());
  EXPECT_TRUE(validUtf8(shown));
  EXPECT_NO_THROW((void)nlohmann::json(shown).dump());
}

}  // namespace
}  // namespace ninevolt::common
