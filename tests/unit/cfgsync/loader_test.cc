#include "cfgsync/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace ninevolt::cfgsync {
namespace {

using ninevolt::testing::TempDir;
using ::testing::HasSubstr;

constexpr const char* kAlerters = R"(
alerter:
  hook:
    type: webhook
    options:
      url: http://127.0.0.1:9999/
)";

constexpr const char* kMonitors = R"(
monitor:
  web:
    type: http
    host: 127.0.0.1
    interval: 10s
    critical-alerter: [hook]
)";

std::vector<std::string> problemTexts(const LoadedSet& set) {
  std::vector<std::string> out;
  for (const auto& p : set.problems) {
    out.push_back(p.toString());
  }
  return out;
}

TEST(Loader, ReadsNestedYamlAndYmlFiles) {
  TempDir dir;
  dir.write("alerters.yml", kAlerters);
  dir.write("checks/web.yaml", kMonitors);
  dir.write("checks/notes.txt", "monitor: {}");  // not yaml: ignored
  auto set = loadDirs({dir.str()});
  EXPECT_THAT(problemTexts(set), ::testing::IsEmpty());
  EXPECT_EQ(set.files_read, 2U);
  ASSERT_EQ(set.monitors.count("web"), 1U);
  EXPECT_EQ(set.monitors.at("web").value["interval"], "10s");
  EXPECT_THAT(set.monitors.at("web").file, HasSubstr("checks/web.yaml"));
  EXPECT_EQ(set.alerters.count("hook"), 1U);
}

TEST(Loader, FileWithoutSectionsIsSkippedWithANote) {
  TempDir dir;
  dir.write("a.yaml", kAlerters);
  dir.write("other.yaml", "something: else\n");
  dir.write("empty.yaml", "");
  auto set = loadDirs({dir.str()});
  // other.yaml has an unknown top-level key: that is a problem, not a skip.
  ASSERT_EQ(set.notes.size(), 1U);
  EXPECT_THAT(set.notes[0], HasSubstr("empty.yaml: skipped"));
}

TEST(Loader, DuplicateNameAcrossFilesNamesBothFiles) {
  TempDir dir;
  dir.write("alerters.yaml", kAlerters);
  dir.write("one.yaml", kMonitors);
  dir.write("two.yaml", kMonitors);
  auto set = loadDirs({dir.str()});
  ASSERT_EQ(set.problems.size(), 1U);
  EXPECT_THAT(set.problems[0].toString(), HasSubstr("monitor 'web'"));
  EXPECT_THAT(set.problems[0].toString(), HasSubstr("one.yaml"));
  EXPECT_THAT(set.problems[0].toString(), HasSubstr("two.yaml"));
}

TEST(Loader, MonitorNamingMissingAlerterIsAProblem) {
  TempDir dir;
  dir.write("web.yaml", kMonitors);
  auto set = loadDirs({dir.str()});
  ASSERT_EQ(set.problems.size(), 1U);
  EXPECT_THAT(set.problems[0].toString(), HasSubstr("web.yaml: monitor 'web': critical-alerter"));
  EXPECT_THAT(set.problems[0].toString(), HasSubstr("hook"));
}

// depends-on is checked across the files of one run, each problem naming its file.
TEST(Loader, DependsOnParentsMustBeInTheSetWithoutCycles) {
  TempDir dir;
  dir.write("net.yaml", R"(
monitor:
  gateway:
    type: tcp
    host: 127.0.0.1
    port: 22
    interval: 10s
    depends-on: [shop]
)");
  dir.write("shop.yaml", R"(
monitor:
  shop:
    type: tcp
    host: 127.0.0.1
    port: 80
    interval: 10s
    depends-on: [gateway, cache]
)");
  auto set = loadDirs({dir.str()});
  auto texts = problemTexts(set);
  ASSERT_EQ(texts.size(), 2U) << ::testing::PrintToString(texts);
  EXPECT_THAT(texts, ::testing::Contains(HasSubstr(
                         "shop.yaml: monitor 'shop': depends-on: unknown monitor 'cache'")));
  EXPECT_THAT(texts, ::testing::Contains(HasSubstr(
                         "net.yaml: monitor 'gateway': depends-on: a cycle: gateway -> shop -> "
                         "gateway")));
}

TEST(Loader, EveryProblemOfEveryFileIsReported) {
  TempDir dir;
  dir.write("a.yaml", "monitor:\n  a:\n    type: http\n    host: h\n    interval: 10\n");
  dir.write("b.yaml", "monitor:\n  b:\n    type: tcpp\n    interval: 5s\n");
  dir.write("c.yaml", "monitor: [\n");  // broken YAML
  auto set = loadDirs({dir.str()});
  auto texts = problemTexts(set);
  EXPECT_GE(texts.size(), 3U);
  EXPECT_THAT(texts, ::testing::Contains(HasSubstr("a.yaml: monitor 'a': interval")));
  EXPECT_THAT(texts, ::testing::Contains(HasSubstr("b.yaml: monitor 'b': type")));
  EXPECT_THAT(texts, ::testing::Contains(HasSubstr("c.yaml")));
}

TEST(Loader, MissingPathIsAProblem) {
  auto set = loadDirs({"/nonexistent/9volt/configs"});
  ASSERT_EQ(set.problems.size(), 1U);
  EXPECT_THAT(set.problems[0].toString(), HasSubstr("no such file or directory"));
}

}  // namespace
}  // namespace ninevolt::cfgsync
