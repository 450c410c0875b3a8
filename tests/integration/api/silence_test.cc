// /api/v1/silence against a running `9volt server` on a real etcd: made, listed, read and
// deleted; written to etcd on a lease before the answer; every bad body refused whole with
// the field named; read tokens may list but not write; GET /state names the silence over a
// check ("silenced-by").
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/api/server_fixture.h"
#include "support/etcd_fixture.h"
#include "support/process.h"

namespace ninevolt {
namespace {

using ::testing::HasSubstr;

using apitest::Reply;

const auto& kRw = apitest::kReadWrite;
const auto& kRo = apitest::kReadOnly;

class SilenceApi : public apitest::ServerTest {
 protected:
  // The problems of a 400, as "field: message" lines.
  static std::string problems(const Reply& r) { return r.problems(); }
};

TEST_F(SilenceApi, MadeListedReadAndDeleted) {
  auto made = call("POST", "/api/v1/silence",
                   R"({"check":"web-*","duration":"1h","comment":"deploy","created-by":"ops"})");
  ASSERT_EQ(made.status, 201) << made.body;
  const auto silence = made.json()["silence"];
  const std::string id = silence["id"];
  ASSERT_EQ(id.size(), 16U);
  EXPECT_EQ(silence["state"], "active");
  EXPECT_EQ(silence["check"], "web-*");
  EXPECT_EQ(silence["comment"], "deploy");

  // In etcd before the answer, on a lease (etcd drops it a day after it ends).
  auto stored = client_->range("/9volt/silence/" + id);
  ASSERT_TRUE(stored && stored->kvs.size() == 1U);
  EXPECT_NE(stored->kvs[0].lease, 0);
  auto ttl = client_->leaseTimeToLive(stored->kvs[0].lease);
  ASSERT_TRUE(ttl);
  EXPECT_GT(ttl->ttl, 24 * 3600);

  auto list = call("GET", "/api/v1/silence", {}, kRo);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.json().size(), 1U);
  EXPECT_EQ(list.json()[0]["id"], id);
  auto one = call("GET", "/api/v1/silence/" + id, {}, kRo);
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.json()["created-by"], "ops");

  // A read token may look, not write.
  EXPECT_EQ(call("POST", "/api/v1/silence", R"({"check":"x","duration":"1h"})", kRo).status, 403);
  EXPECT_EQ(call("DELETE", "/api/v1/silence/" + id, {}, kRo).status, 403);

  auto del = call("DELETE", "/api/v1/silence/" + id);
  EXPECT_EQ(del.status, 200) << del.body;
  EXPECT_TRUE(client_->range("/9volt/silence/" + id)->kvs.empty());
  EXPECT_EQ(call("DELETE", "/api/v1/silence/" + id).status, 404);
  EXPECT_EQ(call("GET", "/api/v1/silence/" + id).status, 404);
  EXPECT_EQ(call("GET", "/api/v1/silence/..%2Fmonitor%2Fweb").status, 400);
}

TEST_F(SilenceApi, ABadSilenceIsRefusedWholeWithTheFieldNamed) {
  struct Case {
    const char* body;
    const char* expect;
  } cases[] = {
      {R"({"duration":"1h"})", "check: a silence needs at least one of"},
      {R"({"check":"x"})", "ends: a silence needs ends"},
      {R"({"check":"x","duration":"-5m"})", "duration: "},
      {R"({"check":"x","duration":"0s"})", "duration: must be longer than 0"},
      {R"({"check":"x","duration":"9000h"})", "duration: longer than 366 days"},
      {R"({"check":"x","ends":"2001-01-01T00:00:00Z"})", "ends: 2001-01-01T00:00:00Z is past"},
      {R"({"check":"x","ends":"tomorrow"})", "ends: 'tomorrow' is not an RFC 3339 time"},
      {R"({"check":"x","duration":"1h","ends":"2099-01-01T00:00:00Z"})",
       "duration: give ends or duration, not both"},
      {R"({"check":"x","duration":"1h","colour":"red"})", "colour: unknown field"},
      {R"({"check":5,"duration":"1h"})", "check: expected a string"},
      {R"({"tags":"prod","duration":"1h"})", "tags: expected a list of strings"},
      {R"({"check":"x","starts":"2099-01-01T00:00:00Z","ends":"2098-01-01T00:00:00Z"})",
       "ends: 2098-01-01T00:00:00Z is not after starts"},
      {"[1,2]", "expected a JSON object"},
      {"{\"check\":\"x\",\"duration\":\"1h\",\"comment\":\"\xff\"}", ""},
  };
  for (const auto& c : cases) {
    auto r = call("POST", "/api/v1/silence", c.body);
    EXPECT_EQ(r.status, 400) << c.body << " -> " << r.body;
    EXPECT_THAT(problems(r) + r.message(), HasSubstr(c.expect)) << c.body;
  }
  auto none = client_->range("/9volt/silence/", {.prefix = true, .count_only = true});
  ASSERT_TRUE(none);
  EXPECT_EQ(none->count, 0);  // nothing written by any of them
  // Still answering.
  EXPECT_EQ(call("POST", "/api/v1/silence", R"({"check":"x","duration":"1m"})").status, 201);
}

TEST_F(SilenceApi, StateNamesTheSilenceOverACheck) {
  ASSERT_EQ(call("PUT", "/api/v1/monitor/web",
                 R"({"type":"tcp","host":"127.0.0.1","port":9,"interval":"10s","tags":["front"]})")
                .status,
            201);
  ASSERT_EQ(call("PUT", "/api/v1/monitor/db",
                 R"({"type":"tcp","host":"127.0.0.1","port":9,"interval":"10s"})")
                .status,
            201);
  auto made = call("POST", "/api/v1/silence", R"({"tags":["front"],"duration":"10m"})");
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string id = made.json()["silence"]["id"];
  // A silence that starts later does not hold yet.
  ASSERT_EQ(call("POST", "/api/v1/silence",
                 R"({"check":"db","starts":"2098-01-01T00:00:00Z","ends":"2098-01-02T00:00:00Z"})")
                .status,
            201);
  auto state = call("GET", "/api/v1/state", {}, kRo);
  ASSERT_EQ(state.status, 200);
  std::map<std::string, std::string> by;
  for (const auto& e : state.json()) {
    by[e["check"]] = e["silenced-by"];
  }
  EXPECT_EQ(by["web"], id);
  EXPECT_EQ(by["db"], "");
  auto list = call("GET", "/api/v1/silence");
  std::set<std::string> states;
  for (const auto& s : list.json()) {
    states.insert(s["state"].get<std::string>());
  }
  EXPECT_EQ(states, (std::set<std::string>{"active", "pending"}));
}

TEST_F(SilenceApi, MaintenanceWindowsAreConfigObjectsAndStateNamesAnOpenOne) {
  auto bad = call("PUT", "/api/v1/maintenance/nightly",
                  R"({"check":"web","schedule":"0 2 * *","duration":"1h","timezone":"Nowhere"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(problems(bad), HasSubstr("schedule: '0 2 * *' has 4 fields"));
  EXPECT_THAT(problems(bad), HasSubstr("timezone: unknown time zone 'Nowhere'"));
  EXPECT_TRUE(client_->range("/9volt/maintenance/nightly")->kvs.empty());

  ASSERT_EQ(call("PUT", "/api/v1/monitor/web",
                 R"({"type":"tcp","host":"127.0.0.1","port":9,"interval":"10s"})")
                .status,
            201);
  // Open every minute for an hour: open now.
  auto made = call("PUT", "/api/v1/maintenance/always",
                   R"({"check":"web","schedule":"* * * * *","duration":"1h"})");
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(call("GET", "/api/v1/maintenance/always", {}, kRo).json()["schedule"], "* * * * *");
  EXPECT_EQ(
      call("PUT", "/api/v1/maintenance/always", R"({"check":"x","duration":"1h"})", kRo).status,
      403);
  auto state = call("GET", "/api/v1/state?check=web", {}, kRo);
  ASSERT_EQ(state.status, 200);
  ASSERT_EQ(state.json().size(), 1U);
  EXPECT_EQ(state.json()[0]["silenced-by"], "maintenance/always");
  EXPECT_EQ(call("DELETE", "/api/v1/maintenance/always").status, 200);
  EXPECT_EQ(call("GET", "/api/v1/state?check=web", {}, kRo).json()[0]["silenced-by"], "");
}

}  // namespace
}  // namespace ninevolt
