// The pure halves of the alerter types: Slack's message and answers, PagerDuty's event and
// dedup key, the email message, the webhook body and signature. (Each type also runs
// against a real receiver in tests/integration/alerts/<type>/.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "alerts/email/email_message.h"
#include "alerts/pagerduty/pagerduty_event.h"
#include "alerts/slack/slack_message.h"
#include "alerts/transport/notification_format.h"
#include "alerts/webhook/webhook_alerter.h"

namespace ninevolt::alerts {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Notification sample(NotificationKind kind = NotificationKind::kCritical) {
  Notification n;
  n.kind = kind;
  n.transition_id = "web/7";
  n.check = "web";
  n.check_type = "http";
  n.description = "front <page> & co";
  n.target = "GET http://shop:80/";
  n.status = kind == NotificationKind::kResolve ? "ok" : notificationKindName(kind);
  n.previous_status = "ok";
  n.count = 3;
  n.title = "HTTP check 'web' failure";
  n.text = "Check has entered into critical state after 3 checks";
  n.error = "HTTP 503";
  n.member_id = "m1";
  n.time = std::chrono::system_clock::time_point(std::chrono::seconds(1'795'000'000));
  return n;
}

TEST(SlackMessage, EscapesMarkupAndCutsLongValues) {
  Notification n = sample();
  n.error = std::string(5000, 'e');
  auto m = slack::slackMessage(n, {.channel = "#ops"});
  const auto& fields = m["attachments"][0]["fields"];
  EXPECT_EQ(fields[0]["title"], "Check Description");
  EXPECT_EQ(fields[0]["value"], "front &lt;page&gt; &amp; co");
  EXPECT_EQ(fields[1]["title"], "Error Details");
  EXPECT_LE(fields[1]["value"].get<std::string>().size(), 2000u);
  EXPECT_FALSE(m.contains("icon_url"));
  EXPECT_FALSE(m["attachments"][0].contains("title_link"));  // no link configured
}

TEST(SlackMessage, EmptyValuesShowAsDash) {
  Notification n = sample();
  n.description.clear();
  auto m = slack::slackMessage(n, {});
  EXPECT_EQ(m["attachments"][0]["fields"][0]["value"], "-");
  EXPECT_FALSE(m.contains("channel"));  // an incoming webhook's message
}

TEST(SlackMessage, WebApiAnswers) {
  using transport::HttpResponse;
  EXPECT_TRUE(slack::judgeWebApiReply({.status = 200, .body = R"({"ok":true,"ts":"1"})"}));
  auto scope = slack::judgeWebApiReply(
      {.status = 200, .body = R"({"ok":false,"error":"missing_scope","needed":"chat:write"})"});
  ASSERT_FALSE(scope);
  EXPECT_EQ(scope.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(scope.error().message,
            "slack chat.postMessage: ok=false, error missing_scope (needs scope chat:write)");
  auto limited =
      slack::judgeWebApiReply({.status = 200, .body = R"({"ok":false,"error":"ratelimited"})"});
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().code, Errc::kUnavailable);
  auto not_json = slack::judgeWebApiReply({.status = 200, .body = "ok"});
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().code, Errc::kInvalidArgument);  // An "error" that is not a string is
                                                             // an answer too, not an exception.
  auto odd = slack::judgeWebApiReply({.status = 200, .body = R"({"ok":false,"error":5})"});
  ASSERT_FALSE(odd);
  EXPECT_EQ(odd.error().message, "slack chat.postMessage: ok=false, error unknown");
}

TEST(PagerDutyEvent, DedupKey) {
  EXPECT_EQ(pagerduty::dedupKey("9volt", "web"), "9volt/web");
  EXPECT_EQ(pagerduty::dedupKey("/prod/", "web"), "prod/web");
  EXPECT_EQ(pagerduty::dedupKey("", "web"), "9volt/web");
  std::string long_name(300, 'n');
  EXPECT_EQ(pagerduty::dedupKey("9volt", long_name).size(), 255u);
  EXPECT_EQ(pagerduty::dedupKey("9volt", long_name), pagerduty::dedupKey("9volt", long_name));
}

TEST(PagerDutyEvent, TriggerAndResolve) {
  auto trigger = pagerduty::pagerDutyEvent(sample(NotificationKind::kWarning), "rk", "9volt/web");
  EXPECT_EQ(trigger["event_action"], "trigger");
  EXPECT_EQ(trigger["payload"]["severity"], "warning");
  EXPECT_EQ(trigger["payload"]["source"], "GET http://shop:80/");
  EXPECT_FALSE(trigger.contains("links"));
  auto resolve = pagerduty::pagerDutyEvent(sample(NotificationKind::kResolve), "rk", "9volt/web");
  EXPECT_EQ(resolve,
            (nlohmann::json{
                {"routing_key", "rk"}, {"event_action", "resolve"}, {"dedup_key", "9volt/web"}}));
}

// Flapping in each type: PagerDuty pages a warning on the start and resolves a stop while
// OK (a stop while failing is a trigger: the failure follows as its own); Slack colours the
// start purple and the stop like its state; email tags both; the webhook names the kind.
TEST(FlappingNotices, EachTypeSaysIt) {
  Notification start = sample(NotificationKind::kFlapping);
  start.status = "critical";  // the state it happens to be in: still a warning page
  auto pd = pagerduty::pagerDutyEvent(start, "rk", "9volt/web");
  EXPECT_EQ(pd["event_action"], "trigger");
  EXPECT_EQ(pd["payload"]["severity"], "warning");
  Notification stop_ok = sample(NotificationKind::kFlappingStopped);
  stop_ok.status = "ok";
  EXPECT_EQ(pagerduty::pagerDutyEvent(stop_ok, "rk", "9volt/web")["event_action"], "resolve");
  Notification stop_failing = sample(NotificationKind::kFlappingStopped);
  stop_failing.status = "critical";
  auto still = pagerduty::pagerDutyEvent(stop_failing, "rk", "9volt/web");
  EXPECT_EQ(still["event_action"], "trigger");
  EXPECT_EQ(still["payload"]["severity"], "critical");

  EXPECT_EQ(slack::slackMessage(start, {})["attachments"][0]["color"], "#9C27B0");
  EXPECT_EQ(slack::slackMessage(stop_ok, {})["attachments"][0]["color"], "good");
  EXPECT_EQ(slack::slackMessage(stop_failing, {})["attachments"][0]["color"], "danger");

  const email::MessageOptions mail{.from = "a@b.org", .to = {"c@d.org"}, .alerter = "x"};
  EXPECT_THAT(email::emailMessage(start, mail), HasSubstr("Subject: [FLAPPING] "));
  EXPECT_THAT(email::emailMessage(stop_ok, mail), HasSubstr("Subject: [FLAPPING STOPPED] "));
  EXPECT_EQ(std::string(notificationKindName(NotificationKind::kFlappingStopped)),
            "flapping-stopped");
}

// An alert storm's digest (alerts/storm.h): one PagerDuty incident per storm, resolved when
// it is over; Slack coloured by its status; email tagged; the webhook JSON has the counts.
TEST(StormDigests, EachTypeSaysIt) {
  Notification d = sample(NotificationKind::kDigest);
  d.check = "storm/pager/3";
  d.transition_id = "storm/pager/3/1";
  d.check_type = "storm";
  d.status = "critical";
  d.storm = StormDigest{.alerter = "pager",
                        .storm = 3,
                        .n = 1,
                        .critical = 150,
                        .warning = 2,
                        .still_failing = 152,
                        .checks = {{"web", "critical"}},
                        .more = 151,
                        .threshold = 20,
                        .window = std::chrono::seconds(60)};
  const std::string key = pagerduty::dedupKey("9volt", d.check);
  EXPECT_EQ(key, "9volt/storm/pager/3");
  auto trigger = pagerduty::pagerDutyEvent(d, "rk", key);
  EXPECT_EQ(trigger["event_action"], "trigger");
  EXPECT_EQ(trigger["payload"]["severity"], "critical");
  EXPECT_EQ(trigger["payload"]["custom_details"]["storm"]["still_failing"], 152);
  Notification over = d;
  over.status = "ok";
  over.storm->still_failing = 0;
  EXPECT_EQ(pagerduty::pagerDutyEvent(over, "rk", key)["event_action"], "resolve");

  EXPECT_EQ(slack::slackMessage(d, {})["attachments"][0]["color"], "danger");
  EXPECT_EQ(slack::slackMessage(over, {})["attachments"][0]["color"], "good");
  const email::MessageOptions mail{.from = "a@b.org", .to = {"c@d.org"}, .alerter = "x"};
  EXPECT_THAT(email::emailMessage(d, mail), HasSubstr("Subject: [ALERT STORM] "));

  auto j = transport::notificationJson(d);
  EXPECT_EQ(j["kind"], "digest");
  EXPECT_EQ(j["storm"]["critical"], 150);
  EXPECT_EQ(j["storm"]["checks"][0]["check"], "web");
  EXPECT_EQ(j["storm"]["more"], 151);
  EXPECT_EQ(j["storm"]["window"], "1m");
  EXPECT_FALSE(transport::notificationJson(sample()).contains("storm"));
  EXPECT_EQ(store::parseNotificationKind("digest"), NotificationKind::kDigest);
}

TEST(EmailMessage, Dates) {
  using std::chrono::seconds;
  using std::chrono::system_clock;
  EXPECT_EQ(email::rfc5322Date(system_clock::time_point(seconds(0))),
            "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(email::rfc5322Date(system_clock::time_point(seconds(1'795'000'000))),
            "Wed, 18 Nov 2026 11:06:40 +0000");
}

TEST(EmailMessage, EnvelopeAndMessageId) {
  EXPECT_EQ(email::envelopeAddress("9volt <a@b.org>"), "a@b.org");
  EXPECT_EQ(email::envelopeAddress("a@b.org"), "a@b.org");
  Notification n = sample();
  std::string id = email::messageId(n, "mail", "a@b.org");
  EXPECT_THAT(id, ::testing::MatchesRegex("<[0-9a-f]{32}\\.9volt@b\\.org>"));
  EXPECT_EQ(email::messageId(n, "mail", "x@b.org"), id);
  EXPECT_NE(email::messageId(n, "mail2", "a@b.org"), id);
  n.transition_id = "web/8";
  EXPECT_NE(email::messageId(n, "mail", "a@b.org"), id);
}

TEST(EmailMessage, NonAsciiSubjectIsEncodedWordsOfAtMost75) {
  EXPECT_EQ(email::headerText("plain ascii"), "plain ascii");
  EXPECT_EQ(email::headerText("caf\xc3\xa9"), "=?UTF-8?B?Y2Fmw6k=?=");
  std::string long_text;
  for (int i = 0; i < 40; ++i) {
    long_text += "\xc3\xa9";  // é, 2 bytes each
  }
  std::string encoded = email::headerText(long_text);
  size_t start = 0;
  int words = 0;
  while (start < encoded.size()) {
    size_t end = encoded.find("\r\n ", start);
    std::string word = encoded.substr(start, end == std::string::npos ? end : end - start);
    EXPECT_LE(word.size(), 75u);
    EXPECT_EQ(word.rfind("=?UTF-8?B?", 0), 0u);
    ++words;
    start = end == std::string::npos ? encoded.size() : end + 3;
  }
  EXPECT_EQ(words, 2);
}

TEST(EmailMessage, QuotedPrintable) {
  EXPECT_EQ(email::quotedPrintable("a=b\ncaf\xc3\xa9 \n"), "a=3Db\r\ncaf=C3=A9=20\r\n");
  std::string qp = email::quotedPrintable(std::string(200, 'x'));
  for (size_t start = 0; start < qp.size();) {
    size_t end = qp.find("\r\n", start);
    size_t length = (end == std::string::npos ? qp.size() : end) - start;
    EXPECT_LE(length, 76u);
    start = end == std::string::npos ? qp.size() : end + 2;
  }
}

TEST(EmailMessage, HeadersCannotBeInjected) {
  Notification n = sample();
  n.title = "evil\r\nBcc: victim@example.com";
  std::string m = email::emailMessage(n, {.from = "a@b.org", .to = {"c@d.org"}, .alerter = "x"});
  const std::string headers = m.substr(0, m.find("\r\n\r\n") + 2);
  EXPECT_THAT(headers, Not(HasSubstr("\r\nBcc:")));
  EXPECT_THAT(headers, HasSubstr("Subject: [CRITICAL] evil  Bcc: victim@example.com\r\n"));
}

TEST(Webhook, SignatureIsHmacSha256) {
  // RFC 4231 test case 2.
  EXPECT_EQ(webhook::webhookSignature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Webhook, BodyNamesTheAlerter) {
  auto body = nlohmann::json::parse(webhook::webhookBody(sample(), "hook"));
  EXPECT_EQ(body["alerter"], "hook");
  EXPECT_EQ(body["version"], 1);
}

}  // namespace
}  // namespace ninevolt::alerts
