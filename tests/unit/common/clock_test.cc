#include "common/clock.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ninevolt::common {
namespace {

using namespace std::chrono_literals;

TEST(Rfc3339, FormatsAndParsesUtcWithMicroseconds) {
  SystemTime t =
      std::chrono::sys_days(std::chrono::year(2026) / 11 / 25) + 10h + 4min + 5s + 123456us;
  EXPECT_EQ(formatRfc3339(t), "2026-11-25T10:04:05Z");
  EXPECT_EQ(formatRfc3339Micros(t), "2026-11-25T10:04:05.123456Z");
  auto back = parseRfc3339(formatRfc3339Micros(t));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, t);
}

TEST(Rfc3339, ParsesOffsetsAndFractions) {
  auto utc = parseRfc3339("2026-11-25T10:04:05Z");
  ASSERT_TRUE(utc);
  auto parsed = [](const char* text) {
    auto t = parseRfc3339(text);
    EXPECT_TRUE(t) << text << ": " << t.error().message;
    return t ? *t : SystemTime{};
  };
  EXPECT_EQ(parsed("2026-11-25T11:34:05+01:30"), *utc);
  EXPECT_EQ(parsed("2026-11-25T02:04:05-08:00"), *utc);
  EXPECT_EQ(parsed("2026-11-25t10:04:05z"), *utc);
  EXPECT_EQ(parsed("2026-11-25T10:04:05.5Z"), *utc + 500ms);
  EXPECT_EQ(parsed("2026-11-25T10:04:05.000000999Z"), *utc);  // kept to microseconds
}

TEST(Rfc3339, RejectsWhatIsNotATime) {
  for (const char* bad : {"", "2026-11-25", "2026-11-25T10:04:05", "2026-13-01T00:00:00Z",
                          "2026-02-30T00:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25T10:04:05.Z",
                          "2026-11-25T10:04:05Zjunk", "2026-11-25T10:04:05+0100", "yesterday"}) {
    auto t = parseRfc3339(bad);
    EXPECT_FALSE(t) << bad;
    if (!t) {
      EXPECT_EQ(t.error().code, Errc::kInvalidArgument);
    }
  }
}

// SystemTime counts nanoseconds in 64 bits: a year outside 1678..2261 used to wrap around
// (signed overflow) into some other date; a sign was read as part of a number.
TEST(Rfc3339, RefusesTimesSystemTimeCannotHoldAndSigns) {
  for (const char* bad : {"0001-01-01T00:00:00Z", "1677-01-01T00:00:00Z", "2262-12-31T00:00:00Z",
                          "9999-12-31T23:59:59Z", "-001-01-01T00:00:00Z", "2026-11-25T-1:04:05Z",
                          "2026-11-25T10:-4:05Z", "+026-11-25T10:04:05Z"}) {
    auto t = parseRfc3339(bad);
    EXPECT_FALSE(t) << bad;
    if (!t) {
      EXPECT_EQ(t.error().code, Errc::kInvalidArgument);
    }
  }
  EXPECT_THAT(parseRfc3339("9999-12-31T23:59:59Z").error().message,
              ::testing::HasSubstr("out of range"));
  auto early = parseRfc3339("1700-01-01T00:00:00Z");
  ASSERT_TRUE(early) << early.error().message;
  EXPECT_EQ(formatRfc3339(*early), "1700-01-01T00:00:00Z");
  auto late = parseRfc3339("2261-12-31T23:59:59.5Z");
  ASSERT_TRUE(late) << late.error().message;
  EXPECT_EQ(formatRfc3339(*late), "2261-12-31T23:59:59Z");
}

}  // namespace
}  // namespace ninevolt::common
