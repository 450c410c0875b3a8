// The slack alerter against a fake Slack on loopback that checks what Slack checks (bearer
// token, JSON body, channel) and answers the way Slack does, errors included (HTTP 200 with
// "ok": false); and against a fake incoming webhook.
#include "alerts/slack/slack_alerter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fixtures.h"
#include "receiver.h"

namespace ninevolt::alerts::slack {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::Receiver;
using testing::sampleNotification;

constexpr const char* kToken = "xoxb-1111-2222-good";

Receiver::Reply slackError(const std::string& error) {
  return {.status = 200, .body = json{{"ok", false}, {"error", error}}.dump()};
}

// chat.postMessage as Slack runs it, for the parts 9volt relies on.
Receiver::Reply fakeSlack(const Receiver::Request& r) {
  if (r.method != "POST" || r.target != "/api/chat.postMessage") {
    return {.status = 404, .body = "unknown_method", .content_type = "text/plain"};
  }
  const std::string auth = r.header("authorization");
  if (auth.empty()) {
    return slackError("not_authed");
  }
  if (auth != std::string("Bearer ") + kToken) {
    return slackError("invalid_auth");
  }
  if (r.header("content-type").rfind("application/json", 0) != 0) {
    return slackError("invalid_form_data");
  }
  json body = json::parse(r.body, nullptr, false);
  if (!body.is_object()) {
    return slackError("invalid_json");
  }
  const std::string channel = body.value("channel", "");
  if (channel.empty()) {
    return slackError("channel_not_found");
  }
  if (!body.contains("attachments") && !body.contains("text")) {
    return slackError("no_text");
  }
  if (channel == "#busy") {
    return {.status = 429,
            .body = json{{"ok", false}, {"error", "ratelimited"}}.dump(),
            .headers = {{"Retry-After", "3"}}};
  }
  if (channel == "#flaky") {
    return slackError("internal_error");
  }
  if (channel == "#private") {
    return slackError("not_in_channel");
  }
  if (channel != "#ops") {
    return slackError("channel_not_found");
  }
  return {.status = 200,
          .body = json{{"ok", true}, {"channel", "C0123"}, {"ts", "1795000000.000100"}}.dump()};
}

std::string webApiYaml(const Receiver& receiver, const std::string& channel,
                       const std::string& token = kToken) {
  return "type: slack\noptions:\n  token: " + token + "\n  channel: \"" + channel
         + "\"\n  api-url: " + receiver.url() + "/api\n";
}

class SlackAlerterTest : public ::testing::Test {
 protected:
  std::unique_ptr<AlerterFactory> factory_ = makeSlackAlerterFactory({.user_agent = "9volt/test"});
};

TEST_F(SlackAlerterTest, PostsOneAttachmentWithTheReferenceFields) {
  Receiver receiver(fakeSlack);
  auto alerter = testing::makeAlerter(
      *factory_, webApiYaml(receiver, "#ops") + "  icon-url: https://example.com/9volt.png\n");
  ASSERT_TRUE(alerter);
  const Notification n = sampleNotification(NotificationKind::kCritical);
  auto r = alerter->deliver(n, 5s);
  ASSERT_TRUE(r) << r.error().message;

  ASSERT_EQ(receiver.count(), 1u);
  const auto req = receiver.requests()[0];
  EXPECT_EQ(req.header("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(req.header("user-agent"), "9volt/test");
  json body = json::parse(req.body);
  EXPECT_EQ(body["channel"], "#ops");
  EXPECT_EQ(body["username"], "9volt-bot");
  EXPECT_EQ(body["icon_url"], "https://example.com/9volt.png");
  ASSERT_EQ(body["attachments"].size(), 1u);
  const json& a = body["attachments"][0];
  EXPECT_EQ(a["color"], "danger");
  EXPECT_EQ(a["title"], "HTTP check 'web' failure");
  EXPECT_EQ(a["title_link"], n.link);
  EXPECT_EQ(a["text"], "Check has entered into critical state after 3 checks");
  EXPECT_EQ(a["ts"], 1'795'000'000);
  std::map<std::string, std::string> fields;
  std::vector<std::string> order;
  for (const auto& f : a["fields"]) {
    fields[f["title"]] = f["value"];
    order.push_back(f["title"]);
  }
  // The original's two fields first, then the rest of the message.
  EXPECT_THAT(order, ::testing::ElementsAre("Check Description", "Error Details", "Check", "Type",
                                            "Target", "Status", "Count", "Member", "Time", "Link"));
  EXPECT_EQ(fields["Check Description"], n.description);
  EXPECT_EQ(fields["Error Details"], n.error);
  EXPECT_EQ(fields["Check"], "web");
  EXPECT_EQ(fields["Type"], "http");
  EXPECT_EQ(fields["Target"], n.target);
  EXPECT_EQ(fields["Status"], "critical (was ok)");
  EXPECT_EQ(fields["Count"], "3");
  EXPECT_EQ(fields["Member"], "3f1c9a2b");
  EXPECT_EQ(fields["Time"], "2026-11-18T11:06:40Z");
  EXPECT_EQ(fields["Link"], n.link);
}

TEST_F(SlackAlerterTest, ColouredByKind) {
  Receiver receiver(fakeSlack);
  auto alerter = testing::makeAlerter(*factory_, webApiYaml(receiver, "#ops"));
  ASSERT_TRUE(alerter);
  for (auto kind :
       {NotificationKind::kWarning, NotificationKind::kCritical, NotificationKind::kResolve}) {
    ASSERT_TRUE(alerter->deliver(sampleNotification(kind), 5s));
  }
  auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 3u);
  std::vector<std::string> colours;
  for (const auto& req : requests) {
    colours.push_back(json::parse(req.body)["attachments"][0]["color"]);
  }
  EXPECT_THAT(colours, ::testing::ElementsAre("warning", "danger", "good"));
}

TEST_F(SlackAlerterTest, OkFalseIsAFailure) {
  Receiver receiver(fakeSlack);
  struct Case {
    std::string yaml;
    Errc code;
    std::string says;
  };
  const std::vector<Case> cases{
      {webApiYaml(receiver, "#ops", "xoxb-wrong"), Errc::kInvalidArgument, "invalid_auth"},
      {webApiYaml(receiver, "#nowhere"), Errc::kInvalidArgument, "channel_not_found"},
      {webApiYaml(receiver, "#private"), Errc::kInvalidArgument, "not_in_channel"},
      {webApiYaml(receiver, "#flaky"), Errc::kUnavailable, "internal_error"},
      {webApiYaml(receiver, "#busy"), Errc::kUnavailable, "HTTP 429, retry after 3"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.yaml);
    auto alerter = testing::makeAlerter(*factory_, c.yaml);
    ASSERT_TRUE(alerter);
    auto r = alerter->deliver(sampleNotification(), 5s);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, c.code);
    EXPECT_THAT(r.error().message, HasSubstr(c.says));
  }
  EXPECT_EQ(receiver.count(), cases.size());
}

TEST_F(SlackAlerterTest, ServerErrorsAreRetryableAndForeignAnswersAreNot) {
  Receiver receiver([](const Receiver::Request& r) {
    if (r.target.rfind("/down", 0) == 0) {
      return Receiver::Reply{.status = 503, .body = "upstream down", .content_type = "text/plain"};
    }
    return Receiver::Reply{
        .status = 200, .body = "<html>portal</html>", .content_type = "text/html"};
  });
  auto down = testing::makeAlerter(
      *factory_, "type: slack\noptions: {token: t-1234, channel: c, api-url: \"" + receiver.url()
                     + "/down\"}\n");
  auto r = down->deliver(sampleNotification(), 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_THAT(r.error().message, HasSubstr("HTTP 503"));

  auto portal = testing::makeAlerter(
      *factory_, "type: slack\noptions: {token: t-1234, channel: c, api-url: \"" + receiver.url()
                     + "/portal\"}\n");
  r = portal->deliver(sampleNotification(), 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_THAT(r.error().message, HasSubstr("not Slack's answer"));
}

TEST_F(SlackAlerterTest, IncomingWebhookGetsTheSameMessageWithoutChannelOrToken) {
  // An incoming webhook: the secret is the URL; the answer is plain "ok".
  Receiver receiver([](const Receiver::Request& r) {
    if (r.target != "/services/T000/B000/XXXX") {
      return Receiver::Reply{.status = 404, .body = "no_service", .content_type = "text/plain"};
    }
    json body = json::parse(r.body, nullptr, false);
    if (!body.is_object() || !body.contains("attachments")) {
      return Receiver::Reply{
          .status = 400, .body = "invalid_payload", .content_type = "text/plain"};
    }
    return Receiver::Reply{.status = 200, .body = "ok", .content_type = "text/plain"};
  });
  auto alerter =
      testing::makeAlerter(*factory_, "type: slack\noptions: {webhook-url: \"" + receiver.url()
                                          + "/services/T000/B000/XXXX\"}\n");
  ASSERT_TRUE(alerter);
  auto r = alerter->deliver(sampleNotification(NotificationKind::kWarning), 5s);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(receiver.count(), 1u);
  const auto req = receiver.requests()[0];
  EXPECT_EQ(req.header("authorization"), "");
  json body = json::parse(req.body);
  EXPECT_FALSE(body.contains("channel"));
  EXPECT_EQ(body["username"], "9volt-bot");
  EXPECT_EQ(body["attachments"][0]["color"], "warning");

  // A revoked webhook: refused for good, and the error does not show the URL's secret path.
  auto revoked =
      testing::makeAlerter(*factory_, "type: slack\noptions: {webhook-url: \"" + receiver.url()
                                          + "/services/T000/B000/REVOKED\"}\n");
  r = revoked->deliver(sampleNotification(), 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_THAT(r.error().message, HasSubstr("HTTP 404: no_service"));
  EXPECT_THAT(r.error().message, Not(HasSubstr("REVOKED")));
}

TEST_F(SlackAlerterTest, SlackThatNeverAnswersHitsTheDeadline) {
  Receiver receiver([](const Receiver::Request&) { return Receiver::Reply{.hang = true}; });
  auto alerter = testing::makeAlerter(*factory_, webApiYaml(receiver, "#ops"));
  ASSERT_TRUE(alerter);
  auto started = std::chrono::steady_clock::now();
  auto r = alerter->deliver(sampleNotification(), 400ms);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kDeadlineExceeded);
  EXPECT_GE(took, 350ms);
  EXPECT_LT(took, 2s);
}

TEST_F(SlackAlerterTest, TokenNeverInErrorsOrLogs) {
  // A receiver that quotes the token back in its error.
  Receiver receiver([](const Receiver::Request& r) {
    if (r.header("authorization") == std::string("Bearer ") + kToken) {
      return Receiver::Reply{.status = 200, .body = R"({"ok":true})"};
    }
    return slackError("invalid_auth for " + r.header("authorization"));
  });
  testing::LogCapture logs;
  auto bad = testing::makeAlerter(*factory_, webApiYaml(receiver, "#ops", "xoxb-9999-leaked"));
  auto r = bad->deliver(sampleNotification(), 5s);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("invalid_auth for Bearer <redacted>"));
  auto good = testing::makeAlerter(*factory_, webApiYaml(receiver, "#ops"));
  ASSERT_TRUE(good->deliver(sampleNotification(), 5s));
  EXPECT_THAT(logs.text(), HasSubstr("posted to #ops"));
  for (const std::string& text : {r.error().message, logs.text()}) {
    EXPECT_THAT(text, Not(HasSubstr("xoxb-9999-leaked")));
    EXPECT_THAT(text, Not(HasSubstr(kToken)));
  }
}

}  // namespace
}  // namespace ninevolt::alerts::slack
