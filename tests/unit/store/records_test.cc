// The etcd value formats the store owns, as their readers meet them: what the writer writes
// reads back the same, and anything else is an error that says why (never an exception).
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/printable.h"
#include "store/assignment_shard.h"
#include "store/compaction_record.h"
#include "store/incident.h"
#include "store/member_digest.h"

namespace ninevolt::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(AssignmentShard, WhatTheDirectorWritesReadsBackNameForName) {
  std::string text;
  for (const char* n : {"a", "web-1.example_com", "z"}) {
    addAssignmentName(text, n);
  }
  closeAssignmentShard(text);
  EXPECT_EQ(text, R"(["a","web-1.example_com","z"])");
  auto names = decodeAssignmentShard(text);
  ASSERT_TRUE(names) << names.error().message;
  EXPECT_THAT(*names, ElementsAre("a", "web-1.example_com", "z"));

  std::string empty;
  closeAssignmentShard(empty);
  ASSERT_TRUE(decodeAssignmentShard(empty));
  EXPECT_TRUE(decodeAssignmentShard(empty)->empty());

  // A name the director would never hold still makes valid JSON (escaped), which readers
  // then reject as not a check name.
  std::string odd;
  addAssignmentName(odd, "a\"b");
  closeAssignmentShard(odd);
  EXPECT_EQ(odd, R"(["a\"b"])");
  EXPECT_FALSE(decodeAssignmentShard(odd));
}

TEST(AssignmentShard, AnythingElseIsAnErrorSayingWhy) {
  for (const char* bad :
       {"", "not json", "{}", R"(["ok", 7])", R"(["ok", ".."])", R"([null])", "\xff\xfe"}) {
    auto r = decodeAssignmentShard(bad);
    EXPECT_FALSE(r) << bad;
  }
  EXPECT_THAT(decodeAssignmentShard("{}").error().message, HasSubstr("list of check names"));
  EXPECT_THAT(decodeAssignmentShard("not json").error().message, HasSubstr("not JSON"));
}

TEST(AssignmentShard, ShardNamesAre00To3f) {
  EXPECT_EQ(assignmentShardName(0), "00");
  EXPECT_EQ(assignmentShardName(kAssignmentShards - 1), "3f");
  for (uint32_t i = 0; i < kAssignmentShards; ++i) {
    EXPECT_TRUE(validAssignmentShardName(assignmentShardName(i))) << i;
  }
  for (const char* bad : {"", "0", "40", "ff", "0g", "3F", "000", "-1"}) {
    EXPECT_FALSE(validAssignmentShardName(bad)) << bad;
  }
}

TEST(IncidentRecord, RoundTripsAndRejectsWhatTheDispatcherCouldNotHaveWritten) {
  Incident i;
  i.check = "web";
  i.id = "1-m1";
  i.seq = 2;
  i.status = state::CheckState::kWarning;
  i.count = 4;
  i.owner = "m1";
  i.alerters["chat"] = Told{NotificationKind::kWarning, "web/1-m1/2", true, false};
  auto back = decodeIncident(common::dumpJson(i.toJson()));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->status, state::CheckState::kWarning);
  EXPECT_EQ(back->count, 4);
  EXPECT_FALSE(back->resolved());
  ASSERT_TRUE(back->alerters.contains("chat"));
  EXPECT_EQ(back->alerters["chat"].kind, NotificationKind::kWarning);
  EXPECT_TRUE(back->alerters["chat"].delivered);

  auto json = i.toJson();
  json["status"] = "purple";
  EXPECT_THAT(decodeIncident(common::dumpJson(json)).error().message, HasSubstr("unknown status"));
  json = i.toJson();
  json["alerters"]["chat"]["kind"] = "page";
  EXPECT_THAT(decodeIncident(common::dumpJson(json)).error().message, HasSubstr("unknown kind"));
  for (const char* field : {"seq", "count"}) {
    for (const nlohmann::json& bad : {nlohmann::json(-1), nlohmann::json(int64_t{1} << 40),
                                      nlohmann::json(1.5), nlohmann::json("3")}) {
      json = i.toJson();
      json[field] = bad;
      EXPECT_FALSE(decodeIncident(common::dumpJson(json))) << field << " " << bad;
    }
  }
  for (const char* bad : {"", "[]", "{}", "not json", R"({"check": 1})"}) {
    EXPECT_FALSE(decodeIncident(bad)) << bad;
  }
}

TEST(MemberDigest, RoundTripsAndRejectsWhatThePublisherCouldNotHaveWritten) {
  MemberDigest d{.member = "m1",
                 .date = common::SystemTime(std::chrono::seconds(1'800'000'000)),
                 .checks = 3,
                 .runs = 30,
                 .late_total = 1,
                 .late = {{"web", 1'799'999'990, 2500, 1}}};
  auto back = decodeMemberDigest(common::dumpJson(d.toJson()));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->member, "m1");
  EXPECT_EQ(back->date, d.date);
  EXPECT_EQ(back->runs, 30U);
  ASSERT_EQ(back->late.size(), 1U);
  EXPECT_EQ(back->late[0].check, "web");
  EXPECT_EQ(back->late[0].lag_ms, 2500);
  auto json = d.toJson();
  json["runs"] = -1;
  EXPECT_FALSE(decodeMemberDigest(common::dumpJson(json)));
  json = d.toJson();
  json["date"] = "yesterday";
  EXPECT_THAT(decodeMemberDigest(common::dumpJson(json)).error().message, HasSubstr("date"));
  for (const char* bad : {"", "[]", "{}", "not json"}) {
    EXPECT_FALSE(decodeMemberDigest(bad)) << bad;
  }
}

TEST(CompactionRecord, RoundTripsAndNeedsAnIntegerTime) {
  auto back = decodeCompaction(compactionText({"m1", 1'800'000'000}));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->member, "m1");
  EXPECT_EQ(back->unix, 1'800'000'000);
  EXPECT_TRUE(decodeCompaction(R"({"unix": 5})"));  // who wrote it is not needed
  for (const char* bad : {"", "[]", "{}", "not json", R"({"unix": "5"})", R"({"unix": 1.5})"}) {
    EXPECT_FALSE(decodeCompaction(bad)) << bad;
  }
}

}  // namespace
}  // namespace ninevolt::store
