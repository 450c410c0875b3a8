// GET /api/v1/storm against a running `9volt server` on a real etcd: the alerters' storms as
// their records in etcd hold them (newest first; a record with no storm, only a rate, is not
// listed); a record that is not one is skipped, and the answer still comes.
#include "store/storm.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/api/server_fixture.h"

namespace ninevolt {
namespace {

class StormApi : public apitest::ServerTest {
 protected:
  apitest::Reply call(const std::string& method, const std::string& target) {
    return ServerTest::call(method, target, "", apitest::kReadOnly);
  }
};

TEST_F(StormApi, StormsAreListedFromTheirRecordsNewestFirst) {
  auto empty = call("GET", "/api/v1/storm");
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(nlohmann::json::parse(empty.body), nlohmann::json::array());

  const auto now = std::chrono::system_clock::now();
  store::StormRecord r;
  r.last_storm = 2;
  store::Storm old;
  old.since = now - std::chrono::minutes(10);
  old.last = old.since;
  old.open = 4;
  old.digests = 1;
  r.storms[1] = old;
  store::Storm cur;
  cur.since = now - std::chrono::seconds(30);
  cur.last = now;
  cur.open = 120;
  cur.worst = "critical";
  cur.digests = 2;
  cur.pending.first = now;
  cur.pending.critical = 3;
  cur.pending.checks = {{"web", "critical"}};
  cur.pending.more = 2;
  store::StormOutbox out;
  out.n = 2;
  out.batch.critical = 90;
  out.batch.first = now - std::chrono::seconds(12);
  out.still_failing = 117;
  out.worst = "critical";
  out.by = "3f1c0a2b";
  out.at = now;
  cur.outbox = out;
  r.storms[2] = cur;
  ASSERT_TRUE(client_->put("/9volt/storm/ops", r.toJson().dump()));
  store::StormRecord rate_only;
  rate_only.recent[1000] = 3;
  ASSERT_TRUE(client_->put("/9volt/storm/quiet", rate_only.toJson().dump()));
  ASSERT_TRUE(client_->put("/9volt/storm/broken", "{\"recent\":"));

  auto listed = call("GET", "/api/v1/storm");
  ASSERT_EQ(listed.status, 200) << listed.body;
  auto j = nlohmann::json::parse(listed.body);
  ASSERT_EQ(j.size(), 1U) << j.dump();
  EXPECT_EQ(j[0]["alerter"], "ops");
  ASSERT_EQ(j[0]["storms"].size(), 2U);
  const auto& s = j[0]["storms"][0];
  EXPECT_EQ(s["storm"], 2);
  EXPECT_EQ(s["still_failing"], 120);
  EXPECT_EQ(s["worst"], "critical");
  EXPECT_EQ(s["digests_sent"], 1);
  EXPECT_EQ(s["pending"]["critical"], 3);
  EXPECT_EQ(s["pending"]["checks"][0]["check"], "web");
  EXPECT_EQ(s["pending"]["more"], 2);
  EXPECT_EQ(s["sending"]["digest"], 2);
  EXPECT_EQ(s["sending"]["by"], "3f1c0a2b");
  EXPECT_EQ(s["sending"]["changes"]["critical"], 90);
  EXPECT_EQ(j[0]["storms"][1]["storm"], 1);
  EXPECT_TRUE(j[0]["storms"][1]["sending"].is_null());
  // Without a token: refused like any read.
  auto anonymous = apitest::call(port_, "GET", "/api/v1/storm", "", {});
  EXPECT_EQ(anonymous.status, 401);
}

}  // namespace
}  // namespace ninevolt
