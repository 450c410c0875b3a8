#include "checks/exec/output.h"

#include <gtest/gtest.h>

namespace ninevolt::checks::exec {
namespace {

TEST(CleanLine, ControlCharactersBecomeSpacesAndTheLineIsTrimmed) {
  EXPECT_EQ(cleanLine("\t ok\x01 now \r"), "ok  now");
  EXPECT_EQ(cleanLine("abcdef", 3), "abc...");
}

// The nagios fuzz target: a cut inside a multi-byte character left half of it in the message,
// which is then not UTF-8 (state, events and alerts are JSON).
TEST(CleanLine, CutsBetweenCharactersNotInsideOne) {
  EXPECT_EQ(cleanLine("ab\xc3\xa9z", 3), "ab...");  // é is 2 bytes
  EXPECT_EQ(cleanLine("ab\xc3\xa9z", 4), "ab\xc3\xa9...");
  EXPECT_EQ(cleanLine("\xe2\x82\xac\xe2\x82\xac", 5), "\xe2\x82\xac...");  // € is 3 bytes
  EXPECT_EQ(cleanLine("\xf0\x9f\x98\x80!", 2), "...");                     // 😀 is 4 bytes
}

TEST(FirstLine, SkipsBlankLines) {
  EXPECT_EQ(firstLine("\n  \n second\nthird"), "second");
  EXPECT_EQ(firstLine(""), "");
}

}  // namespace
}  // namespace ninevolt::checks::exec
