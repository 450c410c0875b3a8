#include "common/duration.h"

#include <chrono>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace ninevolt::common {
namespace {

using namespace std::chrono_literals;

TEST(Duration, RoundTripsCanonicalText) {
  for (const char* text : {"300ms", "1.5s", "1h30m", "2h45m30.5s", "0s", "1ns", "1.5us", "10s",
                           "1m30s", "250ms", "-1.5s", "1h0.5s", "24h"}) {
    auto d = parseDuration(text);
    ASSERT_TRUE(d) << text << ": " << d.error().message;
    EXPECT_EQ(formatDuration(*d), text);
  }
}

TEST(Duration, ParsesEveryUnit) {
  EXPECT_EQ(*parseDuration("7ns"), 7ns);
  EXPECT_EQ(*parseDuration("7us"), 7us);
  EXPECT_EQ(*parseDuration("7\xC2\xB5s"), 7us);  // µ micro sign
  EXPECT_EQ(*parseDuration("7\xCE\xBCs"), 7us);  // μ Greek mu
  EXPECT_EQ(*parseDuration("7ms"), 7ms);
  EXPECT_EQ(*parseDuration("7s"), 7s);
  EXPECT_EQ(*parseDuration("7m"), 7min);
  EXPECT_EQ(*parseDuration("7h"), 7h);
}

TEST(Duration, ParsesCompoundsFractionsAndSigns) {
  EXPECT_EQ(*parseDuration("1h30m"), 90min);
  EXPECT_EQ(*parseDuration("2h45m30.5s"), 2h + 45min + 30500ms);
  EXPECT_EQ(*parseDuration("1.5s"), 1500ms);
  EXPECT_EQ(*parseDuration(".5s"), 500ms);
  EXPECT_EQ(*parseDuration("1m.5s"), 60500ms);
  EXPECT_EQ(*parseDuration("1s500ms"), 1500ms);
  EXPECT_EQ(*parseDuration("-2s"), -2s);
  EXPECT_EQ(*parseDuration("+2s"), 2s);
  EXPECT_EQ(*parseDuration("0"), 0s);
  EXPECT_EQ(*parseDuration("0.000000001s"), 1ns);
}

TEST(Duration, BareNumberIsRejectedWithAHint) {
  auto d = parseDuration("10");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, Errc::kInvalidArgument);
  EXPECT_NE(d.error().message.find("has no unit"), std::string::npos) << d.error().message;
  EXPECT_NE(d.error().message.find("\"10s\""), std::string::npos) << d.error().message;
  EXPECT_FALSE(parseDuration("1.5"));
}

TEST(Duration, GarbageIsRejected) {
  for (const char* text : {"", "abc", "s", "-", "10x", "10 s", " 10s", "1h-5m", ".s", "1..5s",
                           "10S", "1d", "ms10", "1e3s", "9999999999h"}) {
    auto d = parseDuration(text);
    EXPECT_FALSE(d) << "'" << text << "' parsed as " << d->count();
    if (!d) {
      EXPECT_FALSE(d.error().message.empty());
    }
  }
}

TEST(Duration, FormatsAssortedValues) {
  EXPECT_EQ(formatDuration(0ns), "0s");
  EXPECT_EQ(formatDuration(1ns), "1ns");
  EXPECT_EQ(formatDuration(999ns), "999ns");
  EXPECT_EQ(formatDuration(1us), "1us");
  EXPECT_EQ(formatDuration(1500ns), "1.5us");
  EXPECT_EQ(formatDuration(1ms), "1ms");
  EXPECT_EQ(formatDuration(1001us), "1.001ms");
  EXPECT_EQ(formatDuration(999999999ns), "999.999999ms");
  EXPECT_EQ(formatDuration(1s), "1s");
  EXPECT_EQ(formatDuration(61s), "1m1s");
  EXPECT_EQ(formatDuration(60min), "1h");
  EXPECT_EQ(formatDuration(90min), "1h30m");
  EXPECT_EQ(formatDuration(3601s), "1h1s");
  EXPECT_EQ(formatDuration(1s + 1ns), "1.000000001s");
  EXPECT_EQ(formatDuration(-300ms), "-300ms");
  EXPECT_EQ(formatDuration(-90min), "-1h30m");
}

// The duration fuzz target: the most negative duration formatted to text that parseDuration
// refused as "too long" (its magnitude, 2^63 ns, is one more than the largest positive one).
TEST(Duration, ParseOfFormatIsIdentityAtTheLimits) {
  for (int64_t v : {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::min() + 1,
                    std::numeric_limits<int64_t>::max()}) {
    std::string text = formatDuration(Nanos{v});
    auto back = parseDuration(text);
    ASSERT_TRUE(back) << v << " -> " << text << ": " << back.error().message;
    EXPECT_EQ(back->count(), v) << text;
  }
  EXPECT_EQ(parseDuration("-9223372036854775808ns")->count(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(parseDuration("9223372036854775807ns")->count(), std::numeric_limits<int64_t>::max());
  EXPECT_FALSE(parseDuration("9223372036854775808ns"));
  EXPECT_FALSE(parseDuration("-9223372036854775809ns"));
}

TEST(Duration, ParseOfFormatIsIdentity) {
  std::mt19937_64 rng(42);  // fixed seed: the test is deterministic
  std::vector<int64_t> values{0,
                              1,
                              -1,
                              999,
                              1000,
                              1001,
                              999'999,
                              1'000'000,
                              1'000'000'001,
                              59'999'999'999,
                              60'000'000'000,
                              3'600'000'000'000,
                              86'400'000'000'000,
                              std::numeric_limits<int64_t>::max() / 2,
                              std::numeric_limits<int64_t>::max(),
                              std::numeric_limits<int64_t>::min() + 1};
  for (int i = 0; i < 2000; ++i) {
    // Spread over magnitudes: nanoseconds up to ~10 years.
    int shift = static_cast<int>(rng() % 59);
    int64_t v = static_cast<int64_t>(rng() >> (5 + shift));
    values.push_back(i % 3 == 0 ? -v : v);
  }
  for (int64_t v : values) {
    Nanos d{v};
    std::string text = formatDuration(d);
    auto back = parseDuration(text);
    ASSERT_TRUE(back) << v << " -> " << text << ": " << back.error().message;
    EXPECT_EQ(back->count(), v) << text;
  }
}

}  // namespace
}  // namespace ninevolt::common
