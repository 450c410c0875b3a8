// A check's locations as its judge sees them: which count, why the others are unknown, the
// summary alerts carry, and the judge's verdict.
#include "locations/rows.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ninevolt::locations {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ReplicaState state(const std::string& owner, const std::string& status,
                   const std::string& message = "") {
  return ReplicaState{.owner = owner, .status = status, .result = status, .message = message};
}

config::LocationList listed(std::vector<std::string> names) {
  return config::LocationList{.all = false, .names = std::move(names)};
}

const Sites kSites{
    {"m1", {"eu", {}}}, {"m2", {"eu", {}}}, {"m3", {"us", {}}}, {"m4", {"ap", {"dmz"}}}};

TEST(LocationRows, AReplicaCountsOnlyFromALiveMemberOfItsLocation) {
  ReplicaStates states{{"eu", state("m1", "critical", "refused")},
                       {"us", state("m9", "ok")},   // its member is gone
                       {"ap", state("m3", "ok")}};  // written by a member elsewhere now
  auto rows = locationRows(listed({"eu", "us", "ap", "sa", "de"}), "", kSites, states);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].status, config::LocationStatus::kCritical);
  EXPECT_EQ(rows[0].member, "m1");
  EXPECT_EQ(rows[1].status, config::LocationStatus::kUnknown);
  EXPECT_THAT(rows[1].why, HasSubstr("its member m9 is gone"));
  EXPECT_EQ(rows[2].status, config::LocationStatus::kUnknown);
  EXPECT_EQ(rows[3].status, config::LocationStatus::kUnknown);
  EXPECT_THAT(rows[3].why, HasSubstr("no live member in location 'sa'"));
  const auto c = countOf(rows);
  EXPECT_EQ(c.critical, 1);
  EXPECT_EQ(c.unknown, 4);
}

TEST(LocationRows, AllIsTheLocationsOfEligibleLiveMembers) {
  EXPECT_THAT(expectedLocations({.all = true}, "", kSites), ElementsAre("ap", "eu", "us"));
  EXPECT_THAT(expectedLocations({.all = true}, "dmz", kSites), ElementsAre("ap"));
  auto rows = locationRows({.all = true}, "", kSites, {});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].why, "no result yet");
}

TEST(JudgeResult, TwoOfThreeFailingIsCriticalAndSaysWhere) {
  ReplicaStates states{{"eu", state("m1", "critical", "connection refused")},
                       {"us", state("m3", "critical", "timed out")},
                       {"ap", state("m4", "ok")}};
  auto rows = locationRows(listed({"eu", "us", "ap"}), "", kSites, states);
  auto r = judgeResult(rows, config::quorumOf(0, 0, 3), std::nullopt);
  EXPECT_TRUE(r.verdict);
  EXPECT_EQ(r.status, checks::Status::kCritical);
  EXPECT_EQ(r.message,
            "2 of 3 location(s) failing (2 raise it, 2 clear it): eu critical on m1: connection "
            "refused; us critical on m3: timed out; ap ok on m4");
}

TEST(JudgeResult, BetweenTheQuorumsItStays) {
  ReplicaStates states{{"eu", state("m1", "critical", "refused")}, {"us", state("m3", "ok")}};
  auto rows = locationRows(listed({"eu", "us", "sa"}), "", kSites, states);  // sa: nobody there
  const auto q = config::quorumOf(0, 0, 3);
  auto from_ok = judgeResult(rows, q, 0);
  EXPECT_TRUE(from_ok.verdict);
  EXPECT_EQ(from_ok.status, checks::Status::kOk);
  EXPECT_THAT(from_ok.message, HasSubstr("1 of 3 location(s) failing"));
  EXPECT_THAT(from_ok.message, HasSubstr("1 unknown"));
  EXPECT_THAT(from_ok.message, HasSubstr("sa unknown (no live member in location 'sa'"));
  // From CRITICAL, or before the judge's first verdict here: no verdict (the state stays).
  EXPECT_FALSE(judgeResult(rows, q, 2).verdict);
  EXPECT_FALSE(judgeResult(rows, q, std::nullopt).verdict);
}

TEST(JudgeResult, AnOkThatChangesNothingWaitsForEveryFirstResult) {
  // ap has no result yet (a start, or its replica moved): an OK verdict would only rewrite
  // the message, so the judge waits.
  ReplicaStates states{{"eu", state("m1", "ok")}, {"us", state("m3", "ok")}};
  auto rows = locationRows(listed({"eu", "us", "ap"}), "", kSites, states);
  const auto q = config::quorumOf(0, 0, 3);
  EXPECT_TRUE(rows[2].pending);
  EXPECT_FALSE(judgeResult(rows, q, 0).verdict);
  EXPECT_FALSE(judgeResult(rows, q, std::nullopt).verdict);
  // A real change does not wait: clearing a CRITICAL check, or raising one.
  auto cleared = judgeResult(rows, q, 2);
  EXPECT_TRUE(cleared.verdict);
  EXPECT_EQ(cleared.status, checks::Status::kOk);
  states = {{"eu", state("m1", "critical", "x")}, {"us", state("m3", "critical", "y")}};
  rows = locationRows(listed({"eu", "us", "ap"}), "", kSites, states);
  EXPECT_EQ(judgeResult(rows, q, 0).status, checks::Status::kCritical);
  // Every location has its result: the OK verdict comes.
  states = {{"eu", state("m1", "ok")}, {"us", state("m3", "ok")}, {"ap", state("m4", "ok")}};
  rows = locationRows(listed({"eu", "us", "ap"}), "", kSites, states);
  EXPECT_TRUE(judgeResult(rows, q, std::nullopt).verdict);
}

TEST(JudgeResult, WarningWhenTheFailingOnesAreWarningAndRecoveryClears) {
  ReplicaStates states{{"eu", state("m1", "warning", "slow")},
                       {"us", state("m3", "critical", "refused")},
                       {"ap", state("m4", "ok")}};
  auto rows = locationRows(listed({"eu", "us", "ap"}), "", kSites, states);
  EXPECT_EQ(judgeResult(rows, config::quorumOf(0, 0, 3), 0).status, checks::Status::kWarning);
  states["us"] = state("m3", "ok");
  rows = locationRows(listed({"eu", "us", "ap"}), "", kSites, states);
  auto r = judgeResult(rows, config::quorumOf(0, 0, 3), 1);
  EXPECT_TRUE(r.verdict);
  EXPECT_EQ(r.status, checks::Status::kOk);
}

TEST(ReplicaState, KeepsAShortMessageCutOnACharacter) {
  store::CheckStateRecord r;
  r.owner = "m1";
  r.status = "critical";
  r.message = std::string(ReplicaState::kMaxMessage - 1, 'x') + "\xC3\xA9" + std::string(100, 'y');
  auto s = ReplicaState::of(r);
  EXPECT_EQ(s.message, std::string(ReplicaState::kMaxMessage - 1, 'x') + "...");
}

}  // namespace
}  // namespace ninevolt::locations
