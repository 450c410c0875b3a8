#include "common/utf8.h"

#include "common/printable.h"

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

}  // namespace
}  // namespace ninevolt::common
