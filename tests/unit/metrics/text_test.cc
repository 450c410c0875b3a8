// The text renderer and the instruments: escaping, number formatting, histogram buckets
// (cumulative, ending with +Inf, with _sum and _count).
#include "metrics/text.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "metrics/metrics.h"

namespace ninevolt::metrics {
namespace {

using ::testing::HasSubstr;

TEST(MetricsText, SampleWithoutLabels) {
  std::string out;
  appendSample(out, "ninevolt_x_total", {}, uint64_t{42});
  EXPECT_EQ(out, "ninevolt_x_total 42\n");
}

TEST(MetricsText, LabelValuesAreEscaped) {
  std::string out;
  appendSample(out, "m", {{"check", "a\\b\"c\nd"}, {"type", "http"}}, uint64_t{1});
  EXPECT_EQ(out, "m{check=\"a\\\\b\\\"c\\nd\",type=\"http\"} 1\n");
}

TEST(MetricsText, OtherBytesAreKeptAsTheyAre) {
  std::string out;
  appendSample(out, "m", {{"check", "web {prod}, é = 1"}}, uint64_t{1});
  EXPECT_EQ(out, "m{check=\"web {prod}, é = 1\"} 1\n");
}

TEST(MetricsText, HelpIsEscapedAndTypeNamed) {
  std::string out;
  appendHeader(out, "m_total", Type::kCounter, "a \\ b\nc \"quoted\"");
  EXPECT_EQ(out, "# HELP m_total a \\\\ b\\nc \"quoted\"\n# TYPE m_total counter\n");
  out.clear();
  appendHeader(out, "g", Type::kGauge, "h");
  appendHeader(out, "h", Type::kHistogram, "h");
  EXPECT_EQ(out, "# HELP g h\n# TYPE g gauge\n# HELP h h\n# TYPE h histogram\n");
}

TEST(MetricsText, Numbers) {
  auto render = [](auto v) {
    std::string out;
    appendSample(out, "m", {}, v);
    return out;
  };
  EXPECT_EQ(render(0.5), "m 0.5\n");
  EXPECT_EQ(render(0.001), "m 0.001\n");
  EXPECT_EQ(render(10.0), "m 10\n");
  EXPECT_EQ(render(1e-7), "m 1e-07\n");
  EXPECT_EQ(render(0.1 + 0.2), "m 0.30000000000000004\n");  // round-trips exactly
  EXPECT_EQ(render(std::numeric_limits<double>::infinity()), "m +Inf\n");
  EXPECT_EQ(render(-std::numeric_limits<double>::infinity()), "m -Inf\n");
  EXPECT_EQ(render(std::nan("")), "m NaN\n");
  EXPECT_EQ(render(uint64_t{18446744073709551615ULL}), "m 18446744073709551615\n");
  EXPECT_EQ(render(int64_t{-3}), "m -3\n");
}

TEST(MetricsHistogram, BucketsAreCumulativeWithInfSumAndCount) {
  const std::vector<double> bounds{0.25, 0.5, 1};  // exact in binary: an exact _sum
  Histogram h(bounds);
  for (double v : {0.125, 0.25, 0.375, 0.75, 0.75, 3.0}) {
    h.observe(v);
  }
  std::string out;
  Writer w(out);
  w.family("lag_seconds", Type::kHistogram, "How late.");
  w.histogram("lag_seconds", {{"worker", "a\"b"}}, h.snapshot());
  EXPECT_EQ(out,
            "# HELP lag_seconds How late.\n"
            "# TYPE lag_seconds histogram\n"
            "lag_seconds_bucket{worker=\"a\\\"b\",le=\"0.25\"} 2\n"  // le is inclusive
            "lag_seconds_bucket{worker=\"a\\\"b\",le=\"0.5\"} 3\n"
            "lag_seconds_bucket{worker=\"a\\\"b\",le=\"1\"} 5\n"
            "lag_seconds_bucket{worker=\"a\\\"b\",le=\"+Inf\"} 6\n"
            "lag_seconds_sum{worker=\"a\\\"b\"} 5.25\n"
            "lag_seconds_count{worker=\"a\\\"b\"} 6\n");
}

TEST(MetricsHistogram, EmptyAndUnlabelled) {
  Histogram h;  // kLatencyBuckets
  std::string out;
  Writer(out).histogram("h", {}, h.snapshot());
  EXPECT_THAT(out, HasSubstr("h_bucket{le=\"0.001\"} 0\n"));
  EXPECT_THAT(out, HasSubstr("h_bucket{le=\"10\"} 0\n"));
  EXPECT_THAT(out, HasSubstr("h_bucket{le=\"+Inf\"} 0\nh_sum 0\nh_count 0\n"));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), kLatencyBuckets.size() + 3);
}

TEST(MetricsHistogram, SnapshotsMerge) {
  const std::vector<double> bounds{1, 2};
  Histogram a(bounds), b(bounds);
  a.observe(0.5);
  b.observe(1.5);
  b.observe(9);
  HistogramSnapshot all;
  all.merge(a.snapshot());
  all.merge(b.snapshot());
  EXPECT_EQ(all.buckets, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(all.count, 3U);
  EXPECT_DOUBLE_EQ(all.sum, 11.0);
}

TEST(MetricsInstruments, ConcurrentUpdatesAreAllCounted) {
  Counter c;
  Gauge g;
  Histogram h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.inc();
        g.add(1);
        h.observe(0.002);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(c.value(), 40000U);
  EXPECT_EQ(g.value(), 40000);
  auto s = h.snapshot();
  EXPECT_EQ(s.count, 40000U);
  EXPECT_EQ(s.buckets[0], 0U);      // 0.001
  EXPECT_EQ(s.buckets[1], 40000U);  // 0.0025
  EXPECT_NEAR(s.sum, 80.0, 1e-6);
}

TEST(MetricsWriter, OneSeriesFamilies) {
  std::string out;
  Writer w(out);
  w.counter("a_total", "A.", uint64_t{3});
  w.gauge("b", "B.", int64_t{-1}, {{"k", "v"}});
  EXPECT_EQ(out,
            "# HELP a_total A.\n# TYPE a_total counter\na_total 3\n"
            "# HELP b B.\n# TYPE b gauge\nb{k=\"v\"} -1\n");
}

}  // namespace
}  // namespace ninevolt::metrics
