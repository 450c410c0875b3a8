// depends-on across monitors: parents must exist (with a did-you-mean), no cycles (reported
// with the path, once, at a monitor being written), a chain of 100,000 parents is walked
// without recursion; and what one monitor can say of its own list.
#include "config/dependencies.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/spec.h"
#include "helpers.h"
#include "support/check_types.h"

namespace ninevolt::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> texts(const Problems& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) {
    out.push_back(p.toString());
  }
  return out;
}

TEST(Dependencies, ParentsMustExist) {
  std::map<std::string, std::vector<std::string>> g{
      {"app", {"db1", "router"}}, {"db", {}}, {"router", {}}};
  EXPECT_THAT(texts(checkDependencies(g, {"app"})),
              ElementsAre("monitor 'app': depends-on: unknown monitor 'db1' (did you mean 'db'?)"));
  EXPECT_THAT(checkDependencies(g, {"db"}), IsEmpty());  // only what is written is checked
}

TEST(Dependencies, CyclesAreReportedWithTheirPathOnceAtAMonitorBeingWritten) {
  std::map<std::string, std::vector<std::string>> g{
      {"app", {"db"}}, {"db", {"disk"}}, {"disk", {"app"}}, {"web", {"app"}}};
  EXPECT_THAT(texts(checkDependencies(g, {"disk"})),
              ElementsAre("monitor 'disk': depends-on: a cycle: disk -> app -> db -> disk"));
  // Several of the cycle written: told once, at the first of them met.
  EXPECT_EQ(checkDependencies(g, {"app", "db", "disk", "web"}).size(), 1U);
  // A cycle already stored and not touched: not this write's problem.
  EXPECT_THAT(checkDependencies(g, {"web"}), IsEmpty());
  // Itself is one monitor's own rule (parseMonitor, below): not said twice.
  std::map<std::string, std::vector<std::string>> self{{"a", {"a"}}};
  EXPECT_THAT(checkDependencies(self, {"a"}), IsEmpty());
  // A diamond is no cycle.
  std::map<std::string, std::vector<std::string>> diamond{
      {"a", {"b", "c"}}, {"b", {"d"}}, {"c", {"d"}}, {"d", {}}};
  EXPECT_THAT(checkDependencies(diamond, {"a", "b", "c", "d"}), IsEmpty());
}

TEST(Dependencies, AVeryLongChainIsWalkedWithoutRecursion) {
  std::map<std::string, std::vector<std::string>> g;
  constexpr int kLength = 100'000;
  for (int i = 0; i < kLength; ++i) {
    g["m" + std::to_string(i)] = {"m" + std::to_string(i + 1)};
  }
  g["m" + std::to_string(kLength)] = {};
  EXPECT_THAT(checkDependencies(g, {"m0"}), IsEmpty());
  g["m" + std::to_string(kLength)] = {"m0"};
  auto problems = checkDependencies(g, {"m0"});
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_THAT(problems[0].message, HasSubstr("a cycle: m0 -> m1 -> m2"));
}

TEST(Dependencies, DependsOnOfReadsAnyValue) {
  EXPECT_THAT(dependsOnOf(nlohmann::json::parse(R"({"depends-on":["a",7,"b"]})")),
              ElementsAre("a", "b"));
  EXPECT_THAT(dependsOnOf(nlohmann::json::parse(R"({"depends-on":"a"})")), IsEmpty());
  EXPECT_THAT(dependsOnOf(nlohmann::json::parse("[1]")), IsEmpty());
}

const std::string kBase = "type: tcp\nhost: 127.0.0.1\nport: 5432\ninterval: 10s\n";
NV_CHECK_TYPE_SUITE(DependsOnField, "tcp");

TEST_F(DependsOnField, OneMonitorsOwnListIsChecked) {
  auto m = cfgtest::monitorYaml(kBase + "depends-on: [router, db]\n");
  ASSERT_TRUE(m.spec) << ::testing::PrintToString(m.problems);
  EXPECT_THAT(m.spec->depends_on, ElementsAre("router", "db"));
  auto problems = [](const std::string& extra) {
    return cfgtest::monitorYaml(kBase + extra).problems;
  };
  EXPECT_THAT(problems("depends-on: [web]\n"),
              ElementsAre(HasSubstr("depends-on: a monitor cannot depend on itself")));
  EXPECT_THAT(problems("depends-on: [db, db]\n"),
              ElementsAre(HasSubstr("depends-on: 'db' is listed twice")));
  EXPECT_THAT(problems("depends-on: ['a b']\n"),
              ElementsAre(HasSubstr("depends-on: not a monitor name")));
  EXPECT_THAT(problems("depends-on: db\n"), ElementsAre(HasSubstr("depends-on")));
  std::string many = "depends-on: [";
  for (int i = 0; i < 21; ++i) {
    many += (i ? "," : "") + std::string("p") + std::to_string(i);
  }
  EXPECT_THAT(problems(many + "]\n"),
              ElementsAre(HasSubstr("depends-on: 21 monitors; at most 20")));
}

}  // namespace
}  // namespace ninevolt::config
