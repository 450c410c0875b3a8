// /api/v1/ack/<check> against a running `9volt server` on a real etcd: an open incident is
// acknowledged (written to the incident before the answer), read, and unacknowledged; bad
// bodies are refused whole with the field named; read tokens may read but not ack; a signed
// ack link acks without a token, only its own check and incident, only until it expires, and
// its GET (what link previews fetch) writes nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "alerts/ack_link.h"
#include "integration/api/api_client.h"
#include "store/incident.h"
#include "support/closed_port.h"
#include "support/etcd_fixture.h"
#include "support/process.h"

namespace ninevolt {
namespace {

using ninevolt::testing::eventually;
using ninevolt::testing::freePort;
using ::testing::HasSubstr;

using apitest::Reply;

const auto& kRw = apitest::kReadWrite;
const auto& kRo = apitest::kReadOnly;

class AckApi : public ninevolt::testing::EtcdTest {
 protected:
  void SetUp() override {
    EtcdTest::SetUp();
    port_ = freePort();
    server_ = std::make_unique<ninevolt::testing::Process>(
        std::vector<std::string>{NINEVOLT_BINARY, "server", "--listen",
                                 "127.0.0.1:" + std::to_string(port_), "-e", etcd_->endpoint(),
                                 "-a", "rw-token", "--read-tokens", "ro-token", "--external-url",
                                 "http://127.0.0.1:" + std::to_string(port_)},
        std::map<std::string, std::string>{}, (dir_->path() / "server.log").string());
    ASSERT_TRUE(eventually([&] { return call("GET", "/status/check").status == 200; },
                           std::chrono::seconds(60)))
        << server_->output();
    // A check that fails at once (nothing listens on the port): its incident opens.
    static const ninevolt::testing::ClosedPort closed_port;  // for the whole test process
    const uint16_t closed = closed_port.port();
    ASSERT_EQ(call("PUT", "/api/v1/monitor/down",
                   nlohmann::json{{"type", "tcp"},
                                  {"host", "127.0.0.1"},
                                  {"port", closed},
                                  {"interval", "1s"},
                                  {"timeout", "500ms"},
                                  {"warning-threshold", 1},
                                  {"critical-threshold", 1}}
                       .dump())
                  .status,
              201);
    ASSERT_TRUE(eventually([&] { return call("GET", "/api/v1/ack/down").status == 200; },
                           std::chrono::seconds(60)))
        << server_->output();
  }
  Reply call(const std::string& method, const std::string& target, const std::string& body = {},
             const std::map<std::string, std::string>& headers = kRw) {
    return apitest::call(port_, method, target, body, headers);
  }
  static std::string problems(const Reply& r) { return r.problems(); }
  std::optional<store::Incident> incident(const std::string& check) {
    auto r = client_->range("/9volt/incident/" + check);
    if (!r || r->kvs.empty()) {
      return std::nullopt;
    }
    auto inc = store::decodeIncident(r->kvs[0].value);
    return inc ? std::optional(*inc) : std::nullopt;
  }
  // The cluster's link key, as every member reads it.
  alerts::AckLinks links() {
    std::string secret;
    EXPECT_TRUE(eventually([&] {
      auto r = client_->range("/9volt/secret/ack-link");
      if (r && !r->kvs.empty()) {
        secret = r->kvs[0].value;
      }
      return !secret.empty();
    }));
    return alerts::AckLinks(secret);
  }

  uint16_t port_ = 0;
  std::unique_ptr<ninevolt::testing::Process> server_;
};

TEST_F(AckApi, AnOpenIncidentIsAckedReadAndUnacked) {
  auto before = call("GET", "/api/v1/ack/down", "", kRo);
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_EQ(before.json()["acked"], false);
  EXPECT_EQ(before.json()["status"], "critical");

  auto made = call("POST", "/api/v1/ack/down",
                   R"({"comment":"on it","created-by":"alice","duration":"2h"})");
  ASSERT_EQ(made.status, 200) << made.body;
  EXPECT_EQ(made.json()["ack"]["acked"], true);
  // In etcd before the answer, with a doorbell for the check's owner.
  auto inc = incident("down");
  ASSERT_TRUE(inc && inc->ack);
  EXPECT_EQ(inc->ack->by, "alice");
  EXPECT_EQ(inc->ack->comment, "on it");
  ASSERT_TRUE(inc->ack->expires);
  EXPECT_NEAR(std::chrono::duration<double>(*inc->ack->expires - inc->ack->at).count(), 7200, 1);

  auto read = call("GET", "/api/v1/ack/down", "", kRo);
  EXPECT_EQ(read.json()["acked"], true);
  EXPECT_EQ(read.json()["ack"]["comment"], "on it");
  // The event log says who acked it.
  ASSERT_TRUE(eventually([&] {
    return call("GET", "/api/v1/event?kind=alert-acked", "", kRo).body.find("alice")
           != std::string::npos;
  }));

  auto unacked = call("DELETE", "/api/v1/ack/down");
  ASSERT_EQ(unacked.status, 200) << unacked.body;
  EXPECT_EQ(call("GET", "/api/v1/ack/down", "", kRo).json()["acked"], false);
  EXPECT_EQ(call("DELETE", "/api/v1/ack/down").status, 404);
}

TEST_F(AckApi, ReadTokensReadButDoNotAckAndNoTokenDoesNeither) {
  EXPECT_EQ(call("POST", "/api/v1/ack/down", "{}", kRo).status, 403);
  EXPECT_EQ(call("DELETE", "/api/v1/ack/down", "", kRo).status, 403);
  EXPECT_EQ(call("POST", "/api/v1/ack/down", "{}", {{"Content-Type", "application/json"}}).status,
            401);
  EXPECT_EQ(call("GET", "/api/v1/ack/down", "", {}).status, 401);
  EXPECT_FALSE(incident("down")->ack);
}

TEST_F(AckApi, BadRequestsAreRefusedWholeWithTheFieldNamed) {
  auto bad = [&](const std::string& body) { return call("POST", "/api/v1/ack/down", body); };
  EXPECT_THAT(problems(bad(R"({"coment":"x"})")), HasSubstr("coment: unknown field"));
  EXPECT_THAT(problems(bad(R"({"comment":7})")), HasSubstr("comment: expected a string"));
  EXPECT_THAT(problems(bad(R"({"duration":"1h","expires":"2099-01-01T00:00:00Z"})")),
              HasSubstr("duration: give expires or duration, not both"));
  EXPECT_THAT(problems(bad(R"({"expires":"2001-01-01T00:00:00Z"})")),
              HasSubstr("expires: is past"));
  EXPECT_THAT(problems(bad(R"({"expires":"tomorrow"})")), HasSubstr("not an RFC 3339 time"));
  EXPECT_THAT(problems(bad(R"({"duration":"800h"})")), HasSubstr("longer than 31 days"));
  EXPECT_THAT(problems(bad(R"({"duration":"-1h"})")), HasSubstr("duration"));
  EXPECT_THAT(problems(bad(R"({"comment":")" + std::string(2000, 'x') + R"("})")),
              HasSubstr("comment: longer than 1024 bytes"));
  EXPECT_THAT(problems(bad(R"({"comment":"ok\nLink: https://phish"})")),
              HasSubstr("comment: has a control character"));
  EXPECT_EQ(bad("[1]").status, 400);
  EXPECT_EQ(bad("{\"comment\":\"\xff\"}").status, 400);
  EXPECT_FALSE(incident("down")->ack);  // nothing written
  // No open incident, no such check, not a name.
  EXPECT_EQ(call("POST", "/api/v1/ack/quiet", "{}").status, 409);
  EXPECT_EQ(call("GET", "/api/v1/ack/quiet", "", kRo).status, 404);
  EXPECT_EQ(call("POST", "/api/v1/ack/..%2Fmonitor%2Fdown", "{}").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/ack/" + std::string(200, 'a'), "{}").status, 400);
}

TEST_F(AckApi, ASignedLinkAcksItsIncidentWithoutAToken) {
  auto links = this->links();
  const std::string id = incident("down")->id;
  const auto now = std::chrono::system_clock::now();
  const std::string token = links.token("down", id, now + std::chrono::hours(1));
  const std::map<std::string, std::string> browser{{"Accept", "text/html"}};

  // What a link preview fetches: a page with a button; nothing written.
  auto page = call("GET", "/api/v1/ack/down?token=" + token, "", browser);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_THAT(page.body, HasSubstr("<form method=\"post\""));
  EXPECT_FALSE(incident("down")->ack);

  // Refused: forged, for another check, expired, altered.
  auto refused = [&](const std::string& check, const std::string& t) {
    return call("POST", "/api/v1/ack/" + check + "?token=" + t, "", browser).status;
  };
  alerts::AckLinks forger(std::string(64, 'f'));
  EXPECT_EQ(refused("down", forger.token("down", id, now + std::chrono::hours(1))), 403);
  EXPECT_EQ(refused("quiet", links.token("down", id, now + std::chrono::hours(1))), 403);
  EXPECT_EQ(refused("down", links.token("down", id, now - std::chrono::seconds(1))), 403);
  std::string altered = token;  // one hex digit of the MAC changed
  altered.back() = altered.back() == '0' ? '1' : '0';
  EXPECT_EQ(refused("down", altered), 403);
  EXPECT_EQ(refused("down", "garbage"), 403);
  // A link of an incident that is over.
  EXPECT_EQ(refused("down", links.token("down", "1-gone", now + std::chrono::hours(1))), 409);
  EXPECT_FALSE(incident("down")->ack);

  // The form's POST: no token header, no body.
  auto acked = call("POST", "/api/v1/ack/down?token=" + token, "", browser);
  ASSERT_EQ(acked.status, 200) << acked.body;
  EXPECT_THAT(acked.body, HasSubstr("Acknowledged"));
  auto inc = incident("down");
  ASSERT_TRUE(inc && inc->ack);
  EXPECT_EQ(inc->ack->by, "an alert's ack link");
  EXPECT_FALSE(inc->ack->expires);
  // Clicked again: the ack stays as it was (not made anew: no second announcement). The
  // check's owner announces the first one meanwhile (its own write): wait for that first.
  ASSERT_TRUE(eventually([&] {
    auto i = incident("down");
    return i && i->ack && i->ack->announced;
  }));
  const nlohmann::json before = incident("down")->toJson()["ack"];
  auto again = call("POST", "/api/v1/ack/down?token=" + token, "", browser);
  EXPECT_EQ(again.status, 200);
  EXPECT_THAT(again.body, HasSubstr("acknowledged already"));
  EXPECT_EQ(incident("down")->toJson()["ack"], before);
}

TEST_F(AckApi, ALinkDoesNotLetItsHolderNameThemselves) {
  auto links = this->links();
  const std::string token = links.token("down", incident("down")->id,
                                        std::chrono::system_clock::now() + std::chrono::hours(1));
  auto r = call("POST", "/api/v1/ack/down?token=" + token,
                R"({"created-by":"the on-call lead","comment":"fine"})",
                {{"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(incident("down")->ack->by, "an alert's ack link");
  EXPECT_EQ(incident("down")->ack->comment, "fine");
}

}  // namespace
}  // namespace ninevolt
