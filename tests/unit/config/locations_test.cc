// A monitor's locations, failing-locations and recovered-locations: read, defaulted, every
// impossible combination named by its field; the quorum rule; replica names.
#include "config/locations.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/spec.h"
#include "helpers.h"
#include "support/check_types.h"

namespace ninevolt::config {
namespace {

using cfgtest::monitorYaml;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kBase = "type: tcp\nhost: 127.0.0.1\nport: 5432\ninterval: 10s\n";
NV_CHECK_TYPE_SUITE(LocationFields, "tcp");

TEST_F(LocationFields, AListOrAllIsReadAndShown) {
  auto m = monitorYaml(kBase + "locations: [eu-west, us-east, ap-south]\nfailing-locations: 2\n");
  ASSERT_TRUE(m.spec) << ::testing::PrintToString(m.problems);
  EXPECT_THAT(m.spec->locations.names, ElementsAre("eu-west", "us-east", "ap-south"));
  EXPECT_FALSE(m.spec->locations.all);
  EXPECT_EQ(m.spec->failing_locations, 2);
  EXPECT_EQ(m.spec->recovered_locations, 0);
  EXPECT_EQ(effectiveMonitor(*m.spec)["locations"],
            nlohmann::json({"eu-west", "us-east", "ap-south"}));
  auto all = monitorYaml(kBase + "locations: all\n");
  ASSERT_TRUE(all.spec);
  EXPECT_TRUE(all.spec->locations.all);
  EXPECT_EQ(effectiveMonitor(*all.spec)["locations"], "all");
  auto none = monitorYaml(kBase);
  ASSERT_TRUE(none.spec);
  EXPECT_FALSE(none.spec->locations.any());
  // What the director reads without parsing: the same lists.
  EXPECT_THAT(placementOf(cfgtest::yaml(kBase + "locations: [a, b]\n")).locations.names,
              ElementsAre("a", "b"));
  EXPECT_TRUE(placementOf(cfgtest::yaml(kBase + "locations: all\n")).locations.all);
  EXPECT_FALSE(placementOf(cfgtest::yaml(kBase + "locations: [a, a]\n")).locations.any());
}

TEST_F(LocationFields, BadValuesAreNamedByField) {
  auto problems = [](const std::string& extra) { return monitorYaml(kBase + extra).problems; };
  EXPECT_THAT(problems("locations: eu-west\n"),
              ElementsAre(HasSubstr("locations: expected \"all\" or a list of location names, got "
                                    "string \"eu-west\" (a single location: [eu-west])")));
  EXPECT_THAT(problems("locations: 3\n"), ElementsAre(HasSubstr("locations: expected \"all\"")));
  EXPECT_THAT(problems("locations: []\n"), ElementsAre(HasSubstr("lists 0 locations; 1 to 64")));
  EXPECT_THAT(problems("locations: [a, a]\n"),
              ElementsAre(HasSubstr("locations[1]: 'a' is listed twice")));
  EXPECT_THAT(problems("locations: [a, 'b c', 7, all]\n"),
              ElementsAre(HasSubstr("locations[1]: not a location name"),
                          HasSubstr("locations[2]: expected a location name, got integer"),
                          HasSubstr("locations[3]: \"all\" is not a location")));
  std::string many = "locations: [";
  for (int i = 0; i < 65; ++i) {
    many += (i ? ", l" : "l") + std::to_string(i);
  }
  EXPECT_THAT(problems(many + "]\n"), ElementsAre(HasSubstr("lists 65 locations; 1 to 64")));
  EXPECT_THAT(problems("failing-locations: 2\n"),
              ElementsAre(HasSubstr("failing-locations: applies only with locations")));
  EXPECT_THAT(problems("recovered-locations: 1\n"),
              ElementsAre(HasSubstr("recovered-locations: applies only with locations")));
  EXPECT_THAT(problems("locations: [a, b]\nfailing-locations: 3\n"),
              ElementsAre(HasSubstr("failing-locations: 3 of 2 listed location(s)")));
  EXPECT_THAT(problems("locations: [a, b]\nfailing-locations: 0\n"),
              ElementsAre(HasSubstr("failing-locations")));
  EXPECT_THAT(problems("locations: [a, b]\nfailing-locations: -1\n"),
              ElementsAre(HasSubstr("failing-locations")));
  EXPECT_THAT(problems("locations: [a, b, c, d]\nfailing-locations: 2\nrecovered-locations: 2\n"),
              ElementsAre(HasSubstr("failing-locations 2 + recovered-locations 2 must be more "
                                    "than the 4 location(s) listed")));
  // One written, the other the default: said so.
  EXPECT_THAT(problems("locations: [a, b, c, d]\nrecovered-locations: 1\n"),
              ElementsAre(HasSubstr("(the other is the default)")));
  // With all, the live locations decide: written values are capped then, not refused.
  EXPECT_THAT(problems("locations: all\nfailing-locations: 5\nrecovered-locations: 1\n"),
              IsEmpty());
  EXPECT_THAT(problems("locations: [a, b, c]\nfailing-locations: 1\nrecovered-locations: 3\n"),
              IsEmpty());
}

TEST_F(LocationFields, ConfirmIsForChecksRunFromOnePlace) {
  auto m = monitorYaml(kBase + "confirm: true\n");
  ASSERT_TRUE(m.spec) << ::testing::PrintToString(m.problems);
  EXPECT_TRUE(m.spec->confirm);
  EXPECT_EQ(effectiveMonitor(*m.spec)["confirm"], true);
  EXPECT_FALSE(monitorYaml(kBase).spec->confirm);
  EXPECT_THAT(monitorYaml(kBase + "confirm: true\nlocations: [a, b]\n").problems,
              ElementsAre(HasSubstr("confirm: applies to a check run from one place")));
  EXPECT_THAT(monitorYaml(kBase + "confirm: false\nlocations: [a, b]\n").problems, IsEmpty());
  EXPECT_THAT(monitorYaml(kBase + "confirm: yes please\n").problems,
              ElementsAre(HasSubstr("confirm")));
}

TEST(LocationFieldsPush, APushCheckNeitherRunsFromLocationsNorConfirms) {
  NV_REQUIRE_CHECK_TYPES("push");
  const std::string push = "type: push\ninterval: 1m\ntoken: abcdefghijklmnop1234\n";
  EXPECT_THAT(monitorYaml(push + "locations: [a]\n").problems,
              ElementsAre(HasSubstr("locations: does not apply to type push")));
  EXPECT_THAT(monitorYaml(push + "confirm: true\n").problems,
              ElementsAre(HasSubstr("confirm: does not apply to type push")));
  EXPECT_THAT(monitorYaml(push + "confirm: false\n").problems, IsEmpty());
}

TEST(Quorum, DefaultsAreMoreThanHalfAndTheRestToClear) {
  EXPECT_EQ(quorumOf(0, 0, 1).failing, 1);
  EXPECT_EQ(quorumOf(0, 0, 1).recovered, 1);
  EXPECT_EQ(quorumOf(0, 0, 3).failing, 2);
  EXPECT_EQ(quorumOf(0, 0, 3).recovered, 2);
  EXPECT_EQ(quorumOf(0, 0, 4).failing, 3);
  EXPECT_EQ(quorumOf(0, 0, 4).recovered, 2);
  EXPECT_EQ(quorumOf(1, 0, 3).recovered, 3);
  // Capped at the locations there are (locations: all).
  EXPECT_EQ(quorumOf(5, 9, 2).failing, 2);
  EXPECT_EQ(quorumOf(5, 9, 2).recovered, 2);
  EXPECT_EQ(quorumOf(0, 0, 0).failing, 1);  // never 0: nothing would raise with nothing failing
}

TEST(Quorum, RaisesAtFailingClearsAtRecoveredAndHoldsBetween) {
  const Quorum q{.failing = 2, .recovered = 2};
  auto judge = [&](int ok, int warning, int critical, int unknown, int current) {
    return judgeQuorum(QuorumCount{ok, warning, critical, unknown}, q, current);
  };
  EXPECT_EQ(judge(2, 0, 1, 0, 0), 0);  // one failing location: not raised
  EXPECT_EQ(judge(1, 0, 2, 0, 0), 2);  // two: CRITICAL
  EXPECT_EQ(judge(1, 1, 1, 0, 0), 1);  // two failing, one of them WARNING: WARNING
  EXPECT_EQ(judge(0, 2, 0, 1, 0), 1);
  EXPECT_EQ(judge(2, 0, 1, 0, 2), 0);  // back to one: cleared by two OK
  // One OK, one CRITICAL, one unknown: neither raised nor cleared: it stays.
  EXPECT_EQ(judge(1, 0, 1, 1, 2), 2);
  EXPECT_EQ(judge(1, 0, 1, 1, 0), 0);
  // Unknown never counts as failing nor passing.
  EXPECT_EQ(judge(0, 0, 0, 3, 0), 0);
  EXPECT_EQ(judge(0, 0, 0, 3, 2), 2);
  EXPECT_EQ(judge(0, 0, 1, 2, 2), 2);  // critical count below failing, but nothing cleared it
}

TEST(ReplicaNames, AreTheCheckAndTheLocation) {
  EXPECT_EQ(replicaName("web", "eu-west"), "web@eu-west");
  EXPECT_EQ(replicaName("web", ""), "web@");
  auto r = splitReplica("web@eu-west");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->check, "web");
  EXPECT_EQ(r->location, "eu-west");
  ASSERT_TRUE(splitReplica("web@"));
  EXPECT_EQ(splitReplica("web@")->location, "");
  EXPECT_FALSE(splitReplica("web"));
  EXPECT_FALSE(splitReplica("@eu"));
  EXPECT_FALSE(splitReplica("web@eu@x"));
  EXPECT_FALSE(splitReplica("web@all"));
  EXPECT_FALSE(splitReplica("we b@eu"));
  EXPECT_FALSE(validName("web@eu"));  // no monitor can be named like a replica
  EXPECT_TRUE(validLocation(""));
  EXPECT_FALSE(validLocation("all"));
}

}  // namespace
}  // namespace ninevolt::config
