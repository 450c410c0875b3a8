// POST|GET /api/v1/push/{check} and push monitors through the API, against a running
// `9volt server` on a real etcd: the token made once and redacted after, kept on update;
// every refusal (401, 403 the same for a missing check, another type and a wrong token, 400
// naming the parameter, 429); the push in etcd before the answer; coalescing; and the one
// member judging the pushes it took.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/api/api_client.h"
#include "support/etcd_fixture.h"
#include "support/process.h"

namespace ninevolt {
namespace {

using ninevolt::testing::eventually;
using ninevolt::testing::freePort;
using ::testing::HasSubstr;

using apitest::Reply;

const std::map<std::string, std::string> kRw{{"X-Access-Token", "rw-token"},
                                             {"Content-Type", "application/json"}};

class PushApi : public ninevolt::testing::EtcdTest {
 protected:
  void SetUp() override {
    EtcdTest::SetUp();
    port_ = freePort();
    server_ = std::make_unique<ninevolt::testing::Process>(
        std::vector<std::string>{NINEVOLT_BINARY, "server", "--listen",
                                 "127.0.0.1:" + std::to_string(port_), "-e", etcd_->endpoint(),
                                 "-a", "rw-token"},
        std::map<std::string, std::string>{}, (dir_->path() / "server.log").string());
    ASSERT_TRUE(eventually([&] { return call("GET", "/status/check").status == 200; },
                           std::chrono::seconds(60)))
        << server_->output();
  }
  Reply call(const std::string& method, const std::string& target, const std::string& body = {},
             const std::map<std::string, std::string>& headers = {}) {
    return apitest::call(port_, method, target, body, headers);
  }
  // Creates monitor `name` through the API and returns the token it was given.
  std::string create(const std::string& name, nlohmann::json spec) {
    auto r = call("PUT", "/api/v1/monitor/" + name, spec.dump(), kRw);
    EXPECT_EQ(r.status, 201) << r.body;
    auto token = r.json()["secrets"][name]["token"];
    return token.is_string() ? token.get<std::string>() : "";
  }
  nlohmann::json record(const std::string& name, int64_t* mod_revision = nullptr) {
    auto r = client_->range("/9volt/push/" + name);
    if (!r || r->kvs.empty()) {
      return {};
    }
    if (mod_revision != nullptr) {
      *mod_revision = r->kvs[0].mod_revision;
    }
    return nlohmann::json::parse(r->kvs[0].value, nullptr, false);
  }
  nlohmann::json state(const std::string& name) {
    auto r = call("GET", "/api/v1/state?check=" + name, {}, kRw);
    auto j = r.json();
    return j.is_array() && !j.empty() ? j[0] : nlohmann::json();
  }

  uint16_t port_ = 0;
  std::unique_ptr<ninevolt::testing::Process> server_;
};

const nlohmann::json kPush{{"type", "push"}, {"interval", "2s"}, {"grace", "1s"}};

TEST_F(PushApi, TokenIsMadeOnceRedactedAfterAndKeptOnUpdate) {
  const std::string token = create("job", kPush);
  ASSERT_EQ(token.size(), 32u);
  EXPECT_EQ(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
  // Stored as given; shown redacted, alone and in the list.
  auto stored = client_->range("/9volt/monitor/job");
  ASSERT_TRUE(stored && !stored->kvs.empty());
  EXPECT_EQ(nlohmann::json::parse(stored->kvs[0].value)["token"], token);
  auto one = call("GET", "/api/v1/monitor/job", {}, kRw);
  EXPECT_EQ(one.json()["token"], "<redacted>");
  EXPECT_THAT(one.body, ::testing::Not(HasSubstr(token)));
  EXPECT_THAT(call("GET", "/api/v1/monitor", {}, kRw).body, ::testing::Not(HasSubstr(token)));
  // What GET showed, written back: unchanged. Without the token: the stored one is kept.
  auto back = call("PUT", "/api/v1/monitor/job", one.body, kRw);
  EXPECT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(back.json()["unchanged"], nlohmann::json::array({"job"}));
  EXPECT_FALSE(back.json().contains("secrets"));
  auto longer = kPush;
  longer["interval"] = "5s";
  auto updated = call("PUT", "/api/v1/monitor/job", longer.dump(), kRw);
  EXPECT_EQ(updated.status, 200) << updated.body;
  EXPECT_FALSE(updated.json().contains("secrets"));
  EXPECT_EQ(call("POST", "/api/v1/push/job?token=" + token).status, 200);
  // "<redacted>" for a monitor that has no stored token is refused, naming the field.
  auto orphan = kPush;
  orphan["token"] = "<redacted>";
  auto refused = call("PUT", "/api/v1/monitor/other", orphan.dump(), kRw);
  EXPECT_EQ(refused.status, 400);
  EXPECT_THAT(refused.body, HasSubstr("monitor 'other': token: \\\"<redacted>\\\" stands for"));
  EXPECT_FALSE(client_->range("/9volt/monitor/other")->kvs.size());
  // Several monitors in one POST: each made token is returned under its name.
  auto many =
      call("POST", "/api/v1/monitor", nlohmann::json{{"a", kPush}, {"b", kPush}}.dump(), kRw);
  EXPECT_EQ(many.status, 201) << many.body;
  EXPECT_EQ(many.json()["secrets"].size(), 2u);
}

TEST_F(PushApi, RefusalsSayWhyAndWriteNothing) {
  const std::string token = create("job", kPush);
  ASSERT_TRUE(call("PUT", "/api/v1/monitor/web",
                   R"({"type":"http","host":"127.0.0.1","port":9,"interval":"10s"})", kRw)
                  .status
              == 201);
  auto no_token = call("POST", "/api/v1/push/job");
  EXPECT_EQ(no_token.status, 401);
  EXPECT_THAT(no_token.body, HasSubstr("?token=<token>"));
  const auto wrong = call("POST", "/api/v1/push/job?token=wrong-token-0123456789");
  const auto missing = call("POST", "/api/v1/push/nosuch?token=" + token);
  const auto other_type = call("POST", "/api/v1/push/web?token=" + token);
  const auto bad_name = call("POST", "/api/v1/push/..?token=" + token);
  for (const auto* r : {&wrong, &missing, &other_type, &bad_name}) {
    EXPECT_EQ(r->status, 403) << r->body;
    EXPECT_THAT(r->body, HasSubstr("takes this token"));
  }
  auto bad_status = call("POST", "/api/v1/push/job?token=" + token + "&status=maybe");
  EXPECT_EQ(bad_status.status, 400);
  EXPECT_EQ(bad_status.json()["problems"][0]["field"], "status");
  auto long_msg =
      call("POST", "/api/v1/push/job?token=" + token + "&msg=" + std::string(1025, 'x'));
  EXPECT_EQ(long_msg.status, 400);
  EXPECT_EQ(long_msg.json()["problems"][0]["field"], "msg");
  auto not_utf8 = call("POST", "/api/v1/push/job?token=" + token + "&msg=%ff%fe");
  EXPECT_EQ(not_utf8.status, 400) << not_utf8.body;
  auto bad_body = call("POST", "/api/v1/push/job?token=" + token, "[1,2]",
                       {{"Content-Type", "application/json"}});
  EXPECT_EQ(bad_body.status, 400);
  EXPECT_TRUE(record("job").is_null() || !record("job").contains("time"))
      << "a refused push was recorded: " << record("job").dump();
}

TEST_F(PushApi, APushIsInEtcdBeforeTheAnswerAndRepeatsAreCoalescedOrLimited) {
  const std::string token = create("job", kPush);
  auto r = call("GET", "/api/v1/push/job?token=" + token + "&msg=backup%20ok");
  ASSERT_EQ(r.status, 200) << r.body;
  int64_t rev = 0;
  auto rec = record("job", &rev);
  EXPECT_EQ(rec["status"], "ok");
  EXPECT_EQ(rec["message"], "backup ok");
  EXPECT_EQ(rec["time"], r.json()["time"]);
  EXPECT_EQ(rec["member"].get<std::string>().size(), 8u);
  // The same push again within a second: counted, not written.
  auto again = call("GET", "/api/v1/push/job?token=" + token + "&msg=backup%20ok");
  EXPECT_EQ(again.status, 200);
  EXPECT_THAT(again.body, HasSubstr("counted"));
  int64_t rev2 = 0;
  record("job", &rev2);
  EXPECT_EQ(rev2, rev);
  // A changed push is written (JSON body, header token) ...
  auto failed = call("POST", "/api/v1/push/job", R"({"status":"fail","msg":"disk full"})",
                     {{"Content-Type", "application/json"}, {"X-Push-Token", token}});
  EXPECT_EQ(failed.status, 200) << failed.body;
  EXPECT_EQ(record("job")["status"], "fail");
  // ... but not more than twice a second: a job pushing in a loop is told to slow down.
  int too_many = 0;
  for (int i = 0; i < 6; ++i) {
    auto burst = call("POST", "/api/v1/push/job?token=" + token + "&msg=n" + std::to_string(i));
    if (burst.status == 429) {
      ++too_many;
      EXPECT_EQ(burst.headers["Retry-After"], "1");
    }
  }
  EXPECT_GT(too_many, 0);
}

TEST_F(PushApi, TheMemberJudgesThePushesAndForgetsThemWithTheMonitor) {
  const std::string token = create("job", kPush);
  // Never pushed: the deadline is started in etcd.
  ASSERT_TRUE(
      eventually([&] { return record("job").contains("armed"); }, std::chrono::seconds(20)));
  ASSERT_EQ(call("POST", "/api/v1/push/job?token=" + token).status, 200);
  ASSERT_TRUE(eventually([&] { return state("job").value("message", "").starts_with("last push"); },
                         std::chrono::seconds(20)))
      << state("job").dump();
  ASSERT_EQ(call("POST", "/api/v1/push/job?token=" + token + "&status=fail&msg=oops").status, 200);
  ASSERT_TRUE(eventually([&] { return state("job").value("status", "") == "critical"; },
                         std::chrono::seconds(20)));
  EXPECT_THAT(state("job").value("message", ""), HasSubstr("oops"));
  // Gone with its monitor: a monitor made again under the name starts afresh.
  ASSERT_EQ(call("DELETE", "/api/v1/monitor/job", {}, kRw).status, 200);
  EXPECT_TRUE(eventually([&] { return record("job").is_null(); }, std::chrono::seconds(20)));
  // A push after the delete is refused and leaves nothing behind.
  EXPECT_EQ(call("POST", "/api/v1/push/job?token=" + token).status, 403);
  EXPECT_TRUE(record("job").is_null()) << record("job").dump();
}

}  // namespace
}  // namespace ninevolt
