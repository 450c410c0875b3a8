#include "config/problems.h"

#include <gtest/gtest.h>

namespace ninevolt::config {
namespace {

TEST(Problem, ObjectFieldMessage) {
  Problem p{"", "monitor 'web'", "timeout", "10s must be shorter than interval 5s"};
  EXPECT_EQ(p.toString(), "monitor 'web': timeout: 10s must be shorter than interval 5s");
}

TEST(Problem, SourceIsPrefixed) {
  Problem p{"file.yaml", "monitor 'web'", "timeout", "10s must be shorter than interval 5s"};
  EXPECT_EQ(p.toString(),
            "file.yaml: monitor 'web': timeout: 10s must be shorter than interval 5s");
}

TEST(Problem, EmptyPartsAreLeftOut) {
  EXPECT_EQ((Problem{"", "monitor 'web'", "", "unknown field 'x'"}).toString(),
            "monitor 'web': unknown field 'x'");
  EXPECT_EQ((Problem{"f.yaml", "", "", "unknown top-level key 'x'"}).toString(),
            "f.yaml: unknown top-level key 'x'");
  EXPECT_EQ((Problem{"", "", "", "bad"}).toString(), "bad");
}

}  // namespace
}  // namespace ninevolt::config
