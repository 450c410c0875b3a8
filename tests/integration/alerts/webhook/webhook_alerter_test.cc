// The webhook alerter against a real HTTP receiver on loopback: the documented body, the
// configured method and headers, the signature, which statuses are retried, the deadline,
// and secrets kept out of errors and logs.
#include "alerts/webhook/webhook_alerter.h"

#include <array>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fixtures.h"
#include "receiver.h"
#include "support/process.h"

namespace ninevolt::alerts::webhook {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::Receiver;
using testing::sampleNotification;

// What a receiver built on the documented schema checks: JSON, version 1, every field
// present with its type.
std::string schemaProblem(const nlohmann::json& body) {
  if (!body.is_object()) {
    return "not an object";
  }
  if (body.value("version", 0) != 1) {
    return "version is not 1";
  }
  for (const char* field :
       {"kind", "transition_id", "check", "check_type", "description", "target", "status",
        "previous_status", "title", "text", "error", "member_id", "time", "alerter"}) {
    if (!body.contains(field) || !body[field].is_string()) {
      return std::string("missing string field ") + field;
    }
  }
  if (!body.contains("count") || !body["count"].is_number_integer()) {
    return "missing integer count";
  }
  for (const char* field : {"failing_since", "link"}) {
    if (!body.contains(field) || !(body[field].is_string() || body[field].is_null())) {
      return std::string("missing string-or-null field ") + field;
    }
  }
  return "";
}

Receiver::Reply checkSchema(const Receiver::Request& r) {
  auto body = nlohmann::json::parse(r.body, nullptr, false);
  if (r.header("content-type") != "application/json") {
    return {.status = 415, .body = "want application/json"};
  }
  if (auto problem = schemaProblem(body); !problem.empty()) {
    return {.status = 422, .body = problem};
  }
  return {.status = 204};
}

std::string hmacHex(const std::string& key, const std::string& data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(), &n);
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    char buf[3];
    snprintf(buf, sizeof buf, "%02x", mac[i]);
    out += buf;
  }
  return out;
}

class WebhookAlerterTest : public ::testing::Test {
 protected:
  std::unique_ptr<AlerterFactory> factory_ =
      makeWebhookAlerterFactory({.user_agent = "9volt/test (member 3f1c9a2b)"});
};

TEST_F(WebhookAlerterTest, PostsTheDocumentedBodyWithConfiguredHeaders) {
  Receiver receiver(checkSchema);
  auto alerter = testing::makeAlerter(*factory_,
                                      "type: webhook\noptions:\n  url: " + receiver.url()
                                          + "/hooks/9volt?team=ops\n  headers: |\n"
                                            "    Authorization: Bearer tok-123\n"
                                            "    X-Environment: lab\n",
                                      "hook");
  ASSERT_TRUE(alerter);
  const Notification n = sampleNotification(NotificationKind::kCritical);
  auto r = alerter->deliver(n, 5s);
  ASSERT_TRUE(r) << r.error().message;

  ASSERT_EQ(receiver.count(), 1u);
  const auto req = receiver.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/hooks/9volt?team=ops");
  EXPECT_EQ(req.header("authorization"), "Bearer tok-123");
  EXPECT_EQ(req.header("x-environment"), "lab");
  EXPECT_EQ(req.header("user-agent"), "9volt/test (member 3f1c9a2b)");
  EXPECT_EQ(req.header("x-9volt-signature"), "");  // no secret configured
  auto body = nlohmann::json::parse(req.body);
  EXPECT_EQ(body["kind"], "critical");
  EXPECT_EQ(body["alerter"], "hook");
  EXPECT_EQ(body["transition_id"], "web/7");
  EXPECT_EQ(body["check"], "web");
  EXPECT_EQ(body["check_type"], "http");
  EXPECT_EQ(body["description"], n.description);
  EXPECT_EQ(body["target"], n.target);
  EXPECT_EQ(body["status"], "critical");
  EXPECT_EQ(body["previous_status"], "ok");
  EXPECT_EQ(body["count"], 3);
  EXPECT_EQ(body["title"], n.title);
  EXPECT_EQ(body["text"], n.text);
  EXPECT_EQ(body["error"], n.error);  // UTF-8 kept
  EXPECT_EQ(body["member_id"], "3f1c9a2b");
  EXPECT_EQ(body["time"], "2026-11-18T11:06:40Z");
  EXPECT_EQ(body["failing_since"], "2026-11-18T11:05:40Z");
  EXPECT_EQ(body["link"], n.link);
}

TEST_F(WebhookAlerterTest, ResolveWithoutLinkOrFailingSinceSendsNulls) {
  Receiver receiver(checkSchema);
  auto alerter = testing::makeAlerter(
      *factory_, "type: webhook\noptions: {url: \"" + receiver.url() + "/\", method: PUT}\n");
  ASSERT_TRUE(alerter);
  Notification n = sampleNotification(NotificationKind::kResolve);
  n.link.clear();
  n.failing_since.reset();
  ASSERT_TRUE(alerter->deliver(n, 5s));
  ASSERT_EQ(receiver.count(), 1u);
  EXPECT_EQ(receiver.requests()[0].method, "PUT");
  auto body = nlohmann::json::parse(receiver.requests()[0].body);
  EXPECT_EQ(body["kind"], "resolve");
  EXPECT_EQ(body["status"], "ok");
  EXPECT_TRUE(body["link"].is_null());
  EXPECT_TRUE(body["failing_since"].is_null());
}

TEST_F(WebhookAlerterTest, SignsTheBodyWithTheSecret) {
  Receiver receiver([](const Receiver::Request& r) {
    // The receiver's side of the contract: recompute and compare.
    bool ok = r.header("x-9volt-signature") == "sha256=" + hmacHex("s3cr3t-key", r.body);
    return Receiver::Reply{.status = ok ? 200 : 401, .body = ok ? "ok" : "bad signature"};
  });
  auto alerter = testing::makeAlerter(*factory_, "type: webhook\noptions: {url: \"" + receiver.url()
                                                     + "/\", secret: s3cr3t-key}\n");
  ASSERT_TRUE(alerter);
  auto r = alerter->deliver(sampleNotification(), 5s);
  EXPECT_TRUE(r) << r.error().message;
}

TEST_F(WebhookAlerterTest, StatusDecidesRetry) {
  Receiver receiver([](const Receiver::Request& r) {
    return Receiver::Reply{.status = std::stoi(r.target.substr(1)), .body = "status body"};
  });
  for (int status : {200, 201, 202, 204}) {
    auto alerter =
        testing::makeAlerter(*factory_, "type: webhook\noptions: {url: \"" + receiver.url() + "/"
                                            + std::to_string(status) + "\"}\n");
    auto r = alerter->deliver(sampleNotification(), 5s);
    EXPECT_TRUE(r) << status << ": " << r.error().message;
  }
  for (int status : {400, 401, 403, 404, 410, 422, 301}) {
    auto alerter =
        testing::makeAlerter(*factory_, "type: webhook\noptions: {url: \"" + receiver.url() + "/"
                                            + std::to_string(status) + "\"}\n");
    auto r = alerter->deliver(sampleNotification(), 5s);
    ASSERT_FALSE(r) << status;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument) << status;
    EXPECT_THAT(r.error().message, HasSubstr("HTTP " + std::to_string(status)));
    EXPECT_THAT(r.error().message, HasSubstr("status body"));
  }
  for (int status : {408, 429, 500, 502, 503}) {
    auto alerter =
        testing::makeAlerter(*factory_, "type: webhook\noptions: {url: \"" + receiver.url() + "/"
                                            + std::to_string(status) + "\"}\n");
    auto r = alerter->deliver(sampleNotification(), 5s);
    ASSERT_FALSE(r) << status;
    EXPECT_EQ(r.error().code, Errc::kUnavailable) << status;
  }
}

TEST_F(WebhookAlerterTest, ReceiverThatNeverAnswersHitsTheDeadline) {
  Receiver receiver([](const Receiver::Request&) { return Receiver::Reply{.hang = true}; });
  auto alerter = testing::makeAlerter(
      *factory_, "type: webhook\noptions: {url: \"" + receiver.url() + "/\"}\n");
  ASSERT_TRUE(alerter);
  auto started = std::chrono::steady_clock::now();
  auto r = alerter->deliver(sampleNotification(), 500ms);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kDeadlineExceeded);
  EXPECT_THAT(r.error().message, HasSubstr("within 500 ms"));
  EXPECT_GE(took, 450ms);
  EXPECT_LT(took, 2s);  // the timeout plus a margin for a loaded CI machine
  EXPECT_EQ(receiver.count(), 1u);
}

TEST_F(WebhookAlerterTest, ReceiverDownIsRetryable) {
  const uint16_t port = ninevolt::testing::freePort();  // nothing listens there
  auto alerter = testing::makeAlerter(*factory_, "type: webhook\noptions: {url: \"http://127.0.0.1:"
                                                     + std::to_string(port) + "/p/x\"}\n");
  ASSERT_TRUE(alerter);
  auto r = alerter->deliver(sampleNotification(), 2s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_THAT(r.error().message, HasSubstr("http://127.0.0.1:" + std::to_string(port)));
  EXPECT_THAT(r.error().message, Not(HasSubstr("/p/x")));  // only the origin is named
}

TEST_F(WebhookAlerterTest, SecretsNeverInErrorsOrLogs) {
  // A careless receiver that quotes the whole request back in its error (then accepts).
  Receiver receiver([calls = 0](const Receiver::Request& r) mutable {
    if (++calls > 1) {
      return Receiver::Reply{.status = 200};
    }
    std::string echo = r.method + " " + r.target + "\n";
    for (const auto& [name, value] : r.headers) {
      echo += name + ": " + value + "\n";
    }
    return Receiver::Reply{.status = 400, .body = echo + r.body, .content_type = "text/plain"};
  });
  testing::LogCapture logs;
  auto alerter = testing::makeAlerter(*factory_,
                                      "type: webhook\noptions:\n  url: " + receiver.url()
                                          + "/\n  secret: hmac-key-5551\n  headers: |\n"
                                            "    Authorization: Bearer tok-5552\n");
  ASSERT_TRUE(alerter);
  auto r = alerter->deliver(sampleNotification(), 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_THAT(r.error().message, HasSubstr("authorization: <redacted>"));  // it was echoed
  ASSERT_TRUE(alerter->deliver(sampleNotification(), 5s));
  EXPECT_THAT(logs.text(), HasSubstr("delivered"));  // there is a log to look into
  for (const std::string& text : {r.error().message, logs.text()}) {
    EXPECT_THAT(text, Not(HasSubstr("tok-5552")));
    EXPECT_THAT(text, Not(HasSubstr("hmac-key-5551")));
  }
}

}  // namespace
}  // namespace ninevolt::alerts::webhook
