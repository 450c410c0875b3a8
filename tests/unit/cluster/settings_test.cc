// Reading /9volt/config: defaults for absent fields, the previous value (and a problem naming
// the field) for bad ones.
#include "cluster/settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ninevolt::cluster {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char* kKey = "/9volt/config";

ClusterSettings parse(const nlohmann::json& j, const ClusterSettings& previous,
                      std::vector<std::string>& problems) {
  return parseSettings(j, previous, kKey, problems);
}

TEST(ClusterSettings, TheDefaultsReadBackAsTheDefaults) {
  std::vector<std::string> problems;
  ClusterSettings s = parse(ClusterSettings::defaultsJson(), ClusterSettings{}, problems);
  EXPECT_THAT(problems, IsEmpty());
  EXPECT_EQ(s, ClusterSettings{});
  EXPECT_EQ(s.member_ttl, 5s);
  EXPECT_EQ(s.state_dump_interval, 10s);
  EXPECT_EQ(s.event_retention, 24h);
  EXPECT_EQ(s.event_max_count, 10000U);
  EXPECT_EQ(s.etcd_compaction_interval, 5min);
}

TEST(ClusterSettings, CompactionIsOffWithZeroAndNeverShorterThanASecond) {
  ClusterSettings previous{.etcd_compaction_interval = 10min};
  for (const char* off : {"0", "0s", "0m"}) {
    std::vector<std::string> problems;
    EXPECT_EQ(
        parse({{"etcd-compaction-interval", off}}, previous, problems).etcd_compaction_interval, 0s)
        << off;
    EXPECT_THAT(problems, IsEmpty());
  }
  for (nlohmann::json bad : {nlohmann::json("-5m"), nlohmann::json("500ms"),
                             nlohmann::json("banana"), nlohmann::json(300), nlohmann::json()}) {
    std::vector<std::string> problems;
    EXPECT_EQ(
        parse({{"etcd-compaction-interval", bad}}, previous, problems).etcd_compaction_interval,
        10min)
        << bad;
    ASSERT_EQ(problems.size(), 1U) << bad;
    EXPECT_THAT(problems[0], HasSubstr("etcd-compaction-interval: "));
    EXPECT_THAT(problems[0], HasSubstr("at least 1s or 0 (keeping 10m)"));
  }
  std::vector<std::string> problems;
  EXPECT_EQ(
      parse({{"etcd-compaction-interval", "1h"}}, previous, problems).etcd_compaction_interval, 1h);
}

TEST(ClusterSettings, StormDigestsAreOffByDefaultAndTheirFieldsAreChecked) {
  std::vector<std::string> problems;
  ClusterSettings s = parse(ClusterSettings::defaultsJson(), ClusterSettings{}, problems);
  EXPECT_EQ(s.storm_threshold, 0);
  EXPECT_EQ(s.storm_window, 60s);
  s = parse({{"storm-threshold", 20}, {"storm-window", "2m"}}, ClusterSettings{}, problems);
  EXPECT_THAT(problems, IsEmpty());
  EXPECT_EQ(s.storm_threshold, 20);
  EXPECT_EQ(s.storm_window, 2min);
  const ClusterSettings previous{.storm_threshold = 7, .storm_window = 30s};
  for (nlohmann::json bad : {nlohmann::json(-1), nlohmann::json(1'000'001), nlohmann::json(2.5),
                             nlohmann::json("20"), nlohmann::json()}) {
    std::vector<std::string> p;
    EXPECT_EQ(parse({{"storm-threshold", bad}}, previous, p).storm_threshold, 7) << bad;
    ASSERT_EQ(p.size(), 1U) << bad;
    EXPECT_THAT(p[0], HasSubstr("storm-threshold: "));
    EXPECT_THAT(p[0], HasSubstr("(keeping 7)"));
  }
  for (nlohmann::json bad : {nlohmann::json("0"), nlohmann::json("500ms"), nlohmann::json(60),
                             nlohmann::json("25h"), nlohmann::json("2562047h")}) {
    std::vector<std::string> p;
    EXPECT_EQ(parse({{"storm-window", bad}}, previous, p).storm_window, 30s) << bad;
    ASSERT_EQ(p.size(), 1U) << bad;
    EXPECT_THAT(p[0], HasSubstr("storm-window: "));
  }
}

TEST(ClusterSettings, TheWatchdogIsOffByDefaultAndItsFieldsAreChecked) {
  std::vector<std::string> problems;
  ClusterSettings s = parse(ClusterSettings::defaultsJson(), ClusterSettings{}, problems);
  EXPECT_THAT(problems, IsEmpty());
  EXPECT_EQ(s.watchdog_url, "");
  EXPECT_EQ(s.watchdog_interval, 60s);
  s = parse({{"watchdog-url", "https://hc.example/ping/abc-123?x=1"}, {"watchdog-interval", "5s"}},
            ClusterSettings{}, problems);
  EXPECT_THAT(problems, IsEmpty());
  EXPECT_EQ(s.watchdog_url, "https://hc.example/ping/abc-123?x=1");
  EXPECT_EQ(s.watchdog_interval, 5s);
  const ClusterSettings previous{.watchdog_url = "http://127.0.0.1:1/p", .watchdog_interval = 30s};
  for (nlohmann::json bad :
       {nlohmann::json("ftp://x/y"), nlohmann::json("http://a b/"), nlohmann::json("http://x/\n"),
        nlohmann::json(7), nlohmann::json("http://x/" + std::string(2100, 'a')),
        nlohmann::json("example.com/ping")}) {
    std::vector<std::string> p;
    EXPECT_EQ(parse({{"watchdog-url", bad}}, previous, p).watchdog_url, "http://127.0.0.1:1/p")
        << bad;
    ASSERT_EQ(p.size(), 1U) << bad;
    EXPECT_THAT(p[0], HasSubstr("watchdog-url: "));
    EXPECT_THAT(p[0], HasSubstr("(keeping the previous one)"));
  }
  for (nlohmann::json bad :
       {nlohmann::json("4s"), nlohmann::json("500ms"), nlohmann::json(60), nlohmann::json("25h")}) {
    std::vector<std::string> p;
    EXPECT_EQ(parse({{"watchdog-interval", bad}}, previous, p).watchdog_interval, 30s) << bad;
    ASSERT_EQ(p.size(), 1U) << bad;
    EXPECT_THAT(p[0], HasSubstr("watchdog-interval: "));
  }
}

TEST(ClusterSettings, ValuesAreReadAndDurationsInSecondsRoundUp) {
  std::vector<std::string> problems;
  ClusterSettings s = parse({{"member-ttl", "2500ms"},
                             {"state-dump-interval", "1.5s"},
                             {"event-retention", "1h30m"},
                             {"event-max-count", 42}},
                            ClusterSettings{}, problems);
  EXPECT_THAT(problems, IsEmpty());
  EXPECT_EQ(s.member_ttl, 3s);  // etcd leases are whole seconds
  EXPECT_EQ(s.state_dump_interval, 1500ms);
  EXPECT_EQ(s.event_retention, 90min);
  EXPECT_EQ(s.event_max_count, 42U);
}

TEST(ClusterSettings, AnAbsentFieldGetsItsDefaultNotThePreviousValue) {
  ClusterSettings previous{.member_ttl = 9s, .event_max_count = 7};
  std::vector<std::string> problems;
  ClusterSettings s = parse({{"event-max-count", 8}}, previous, problems);
  EXPECT_THAT(problems, IsEmpty());
  EXPECT_EQ(s.member_ttl, 5s);
  EXPECT_EQ(s.event_max_count, 8U);
}

TEST(ClusterSettings, ABadFieldKeepsItsPreviousValueAndIsNamed) {
  ClusterSettings previous{.member_ttl = 9s, .event_max_count = 7};
  std::vector<std::string> problems;
  ClusterSettings s = parse({{"member-ttl", "banana"},
                             {"state-dump-interval", "500ms"},
                             {"event-retention", 3600},
                             {"event-max-count", 0}},
                            previous, problems);
  EXPECT_EQ(s, previous);
  ASSERT_EQ(problems.size(), 4U);
  EXPECT_THAT(problems[0], HasSubstr("/9volt/config: member-ttl: \"banana\" is not a duration"));
  EXPECT_THAT(problems[0], HasSubstr("keeping 9s"));
  EXPECT_THAT(problems[1], HasSubstr("state-dump-interval: \"500ms\""));
  EXPECT_THAT(problems[2], HasSubstr("event-retention: 3600"));
  EXPECT_THAT(problems[3], HasSubstr("event-max-count: 0 is not a positive integer (keeping 7)"));
}

TEST(ClusterSettings, GoodFieldsApplyBesideABadOne) {
  std::vector<std::string> problems;
  ClusterSettings s =
      parse({{"member-ttl", ""}, {"event-max-count", 5}}, ClusterSettings{}, problems);
  EXPECT_EQ(s.member_ttl, 5s);
  EXPECT_EQ(s.event_max_count, 5U);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_THAT(problems[0], HasSubstr("member-ttl"));
}

TEST(ClusterSettings, AValueThatIsNotAnObjectKeepsEverything) {
  ClusterSettings previous{.member_ttl = 9s};
  std::vector<std::string> problems;
  ClusterSettings s = parse(nlohmann::json::array({1, 2}), previous, problems);
  EXPECT_EQ(s, previous);
  EXPECT_THAT(problems, ElementsAre("/9volt/config: not a JSON object (keeping every setting)"));
}

TEST(ClusterSettings, UnknownFieldsAreIgnored) {
  std::vector<std::string> problems;
  ClusterSettings s = parse({{"some-future-setting", "x"}}, ClusterSettings{}, problems);
  EXPECT_THAT(problems, IsEmpty());
  EXPECT_EQ(s, ClusterSettings{});
}

}  // namespace
}  // namespace ninevolt::cluster
