// The director key's value, as read from etcd (untrusted: anyone can write it).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cluster/director.h"

namespace ninevolt::cluster {
namespace {

TEST(DirectorIdOf, ReadsTheIdOfADirectorRecord) {
  EXPECT_EQ(directorIdOf(R"({"id":"3f1c0a2b","since":"2026-01-01T00:00:00Z"})"), "3f1c0a2b");
  EXPECT_EQ(directorIdOf(R"({"id":"m1"})"), "m1");  // since is for people
}

TEST(DirectorIdOf, AnythingElseIsNoDirectorsRecord) {
  const std::vector<std::string> bads{"",
                                      "not json",
                                      "{",
                                      "null",
                                      "[]",
                                      R"(["id"])",
                                      R"("m1")",
                                      "{}",
                                      R"({"id":""})",
                                      R"({"id":1})",
                                      R"({"id":null})",
                                      R"({"id":["m1"]})",
                                      R"({"ID":"m1"})",
                                      "\xff\xfe",
                                      std::string(R"({"id":"m1")") + '\0' + "}"};
  for (const auto& bad : bads) {
    EXPECT_EQ(directorIdOf(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(directorIdOf(R"({"id":")" + std::string(300, 'a') + R"("})"), std::nullopt);
  // Deep or long input is an answer, not a crash.
  EXPECT_EQ(directorIdOf(std::string(100000, '[') + std::string(100000, ']')), std::nullopt);
}

}  // namespace
}  // namespace ninevolt::cluster
