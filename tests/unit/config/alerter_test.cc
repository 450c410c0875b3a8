#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/alerter_options.h"
#include "config/spec.h"
#include "helpers.h"

namespace ninevolt::config {
namespace {

using cfgtest::alerter;
using cfgtest::yaml;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

TEST(Alerter, SlackWithDefaults) {
  auto value = yaml(
      "type: slack\ndescription: ops channel\n"
      "options: {token: xoxb-1, channel: \"#ops\"}\n");
  auto a = alerter(value, "slack1");
  ASSERT_TRUE(a.spec) << ::testing::PrintToString(a.problems);
  EXPECT_EQ(a.spec->name, "slack1");
  EXPECT_EQ(a.spec->type, "slack");
  EXPECT_EQ(a.spec->description, "ops channel");
  EXPECT_THAT(a.spec->options,
              ElementsAre(Pair("api-url", "https://slack.com/api"), Pair("channel", "#ops"),
                          Pair("token", "xoxb-1"), Pair("username", "9volt-bot")));
  EXPECT_EQ(a.spec->raw, value);  // defaults are not written back
}

TEST(Alerter, SlackOptionalOptions) {
  auto a =
      alerter(yaml("type: slack\noptions: {token: t, channel: c, username: me, "
                   "icon-url: \"https://x/i.png\"}\n"));
  ASSERT_TRUE(a.spec);
  EXPECT_EQ(a.spec->options["username"], "me");
  EXPECT_EQ(a.spec->options["icon-url"], "https://x/i.png");
}

TEST(Alerter, MissingRequiredOptions) {
  EXPECT_THAT(alerter(yaml("type: slack\n")).problems,
              ElementsAre("alerter 'a1': options.token: required option is missing (or "
                          "webhook-url, to post through an incoming webhook)"));
  EXPECT_THAT(alerter(yaml("type: slack\noptions: {token: t}\n")).problems,
              ElementsAre("alerter 'a1': options.channel: required option is missing (the Web "
                          "API needs a channel)"));
  EXPECT_THAT(alerter(yaml("type: pagerduty\noptions: {token: \"\"}\n")).problems,
              ElementsAre("alerter 'a1': options.token: must not be empty"));
}

TEST(Alerter, UnknownOptionWithDidYouMean) {
  EXPECT_THAT(
      alerter(yaml("type: slack\noptions: {token: t, chanel: c}\n")).problems,
      UnorderedElementsAre("alerter 'a1': options: unknown option 'chanel' for type slack (did you "
                           "mean 'channel'?)",
                           "alerter 'a1': options.channel: required option is missing (the Web "
                           "API needs a channel)"));
}

TEST(Alerter, OptionValuesMustBeStrings) {
  EXPECT_THAT(alerter(yaml("type: pagerduty\noptions: {token: 5}\n")).problems,
              ElementsAre("alerter 'a1': options.token: expected a string, got integer (value "
                          "not shown: token is secret)"));
  EXPECT_THAT(alerter(yaml("type: email\noptions: {address: \"h:25\", to: 5}\n")).problems,
              ElementsAre("alerter 'a1': options.to: expected a string, got integer 5"));
  EXPECT_THAT(alerter(yaml("type: pagerduty\noptions: [token]\n")).problems,
              UnorderedElementsAre("alerter 'a1': options: expected a map of strings, got list",
                                   "alerter 'a1': options.routing-key: required option is missing "
                                   "(the Events API v2 integration key; 'token' is accepted as "
                                   "its old name)"));
}

TEST(Alerter, PagerDuty) {
  auto a = alerter(yaml("type: pagerduty\noptions: {token: abc123}\n"));
  ASSERT_TRUE(a.spec);
  EXPECT_THAT(a.spec->options, ElementsAre(Pair("api-url", "https://events.pagerduty.com"),
                                           Pair("token", "abc123")));
}

TEST(Alerter, Email) {
  auto a =
      alerter(yaml("type: email\noptions: {address: \"smtp.example.com:587\", "
                   "to: ops@example.com}\n"));
  ASSERT_TRUE(a.spec) << ::testing::PrintToString(a.problems);
  EXPECT_EQ(a.spec->options["from"], "9volt-alerter@example.com");
  EXPECT_EQ(a.spec->options.count("auth"), 0u);

  auto full = alerter(
      yaml("type: email\noptions: {address: \"[::1]:25\", to: a@b, from: me@x, username: u, "
           "password: p, auth: md5}\n"));
  ASSERT_TRUE(full.spec) << ::testing::PrintToString(full.problems);
  EXPECT_EQ(full.spec->options["auth"], "md5");
}

TEST(Alerter, EmailRules) {
  EXPECT_THAT(
      alerter(yaml("type: email\noptions: {address: smtp.example.com, to: a@b}\n")).problems,
      ElementsAre("alerter 'a1': options.address: must be host:port (e.g. "
                  "\"smtp.example.com:587\"), got \"smtp.example.com\""));
  EXPECT_THAT(alerter(yaml("type: email\noptions: {address: \"h:99999\", to: a@b}\n")).problems,
              ::testing::SizeIs(1));
  EXPECT_THAT(alerter(yaml("type: email\noptions: {address: \"h:25\", to: nobody}\n")).problems,
              ElementsAre("alerter 'a1': options.to: must be an email address (or a "
                          "comma-separated list of them), got \"nobody\""));
  EXPECT_THAT(
      alerter(yaml("type: email\noptions: {address: \"h:25\", to: a@b, auth: ntlm}\n")).problems,
      ElementsAre("alerter 'a1': options.auth: must be \"plain\", \"login\" or \"md5\", got "
                  "\"ntlm\""));
  EXPECT_THAT(
      alerter(yaml("type: email\noptions: {address: \"h:25\", to: a@b, auth: plain}\n")).problems,
      ElementsAre("alerter 'a1': options.auth: needs both username and password"));
  EXPECT_THAT(alerter(yaml("type: email\noptions: {address: \"h:25\"}\n")).problems,
              ElementsAre("alerter 'a1': options.to: required option is missing"));
}

TEST(Alerter, Webhook) {
  auto a = alerter(yaml("type: webhook\noptions: {url: \"https://hooks.example.com/x?y=1\"}\n"));
  ASSERT_TRUE(a.spec);
  EXPECT_EQ(a.spec->options["method"], "POST");
  EXPECT_EQ(a.spec->options["url"], "https://hooks.example.com/x?y=1");
  EXPECT_TRUE(alerter(yaml("type: webhook\noptions: {url: \"http://h/\", method: PUT, "
                           "secret: s}\n"))
                  .spec);
  EXPECT_THAT(alerter(yaml("type: webhook\noptions: {url: \"ftp://h/\"}\n")).problems,
              ElementsAre("alerter 'a1': options.url: must start with http:// or https://, got "
                          "\"ftp://h/\""));
  EXPECT_THAT(alerter(yaml("type: webhook\noptions: {url: \"http://h/\", method: GET}\n")).problems,
              ElementsAre("alerter 'a1': options.method: must be POST or PUT, got \"GET\""));
  EXPECT_THAT(alerter(yaml("type: webhook\noptions: {url: \"http://h/\", header-x: y}\n")).problems,
              ElementsAre(HasSubstr("unknown option 'header-x' for type webhook")));
}

TEST(Alerter, Type) {
  EXPECT_THAT(alerter(yaml("type: slak\noptions: {token: t, channel: c}\n")).problems,
              ElementsAre("alerter 'a1': type: unknown alerter type 'slak' (did you mean "
                          "'slack'?); one of slack, pagerduty, email, webhook"));
  EXPECT_THAT(alerter(yaml("options: {token: t}\n")).problems,
              ElementsAre("alerter 'a1': type: required field is missing (one of slack, "
                          "pagerduty, email, webhook)"));
  EXPECT_THAT(alerter(yaml("type: [slack]\n")).problems,
              ElementsAre("alerter 'a1': type: expected a string, got list"));
}

TEST(Alerter, UnknownTopLevelFields) {
  EXPECT_THAT(alerter(yaml("type: pagerduty\ndescripton: x\noptions: {token: t}\n")).problems,
              ElementsAre("alerter 'a1': unknown field 'descripton' (did you mean "
                          "'description'?)"));
  // A common mistake: options written next to type instead of under options.
  EXPECT_THAT(alerter(yaml("type: pagerduty\ntoken: t\n")).problems,
              UnorderedElementsAre(
                  "alerter 'a1': unknown field 'token' (it is an option: put it under 'options')",
                  "alerter 'a1': options.routing-key: required option is missing (the Events API "
                  "v2 integration key; 'token' is accepted as its old name)"));
  EXPECT_THAT(alerter(yaml("type: pagerduty\ndescription: 5\noptions: {token: t}\n")).problems,
              ElementsAre("alerter 'a1': description: expected a string, got integer 5"));
}

TEST(Alerter, ValueAndName) {
  EXPECT_THAT(alerter(yaml("slack")).problems,
              ElementsAre("alerter 'a1': expected a map with type, description and options, got "
                          "string \"slack\""));
  EXPECT_THAT(alerter(yaml("type: pagerduty\noptions: {token: t}\n"), "bad/name").problems,
              ElementsAre("alerter 'bad/name': invalid name: '/' at byte 4 is not allowed; use 1 "
                          "to 128 characters from A-Z a-z 0-9 . _ -"));
}

TEST(Alerter, SlackIncomingWebhook) {
  auto a = alerter(
      yaml("type: slack\noptions: {webhook-url: \"https://hooks.slack.com/services/T/B/X\"}\n"));
  ASSERT_TRUE(a.spec) << ::testing::PrintToString(a.problems);
  EXPECT_EQ(a.spec->options["webhook-url"], "https://hooks.slack.com/services/T/B/X");
  EXPECT_EQ(a.spec->options.count("token"), 0u);
  EXPECT_THAT(
      alerter(yaml("type: slack\noptions: {token: t, channel: c, webhook-url: \"https://h/x\"}\n"))
          .problems,
      ElementsAre("alerter 'a1': options.webhook-url: use either token (Web API) or webhook-url "
                  "(incoming webhook), not both"));
  EXPECT_THAT(
      alerter(yaml("type: slack\noptions: {webhook-url: \"https://h/x\", channel: c}\n")).problems,
      ElementsAre(HasSubstr("options.channel: not used with webhook-url")));
  // The URL is the secret: a wrong one is reported without quoting it.
  EXPECT_THAT(
      alerter(yaml("type: slack\noptions: {webhook-url: \"hooks.slack.com/T/B/X\"}\n")).problems,
      ElementsAre("alerter 'a1': options.webhook-url: must start with http:// or https://"));
}

TEST(Alerter, ApiUrlOverridesTheService) {
  auto slack = alerter(
      yaml("type: slack\noptions: {token: t, channel: c, api-url: \"http://127.0.0.1:9/api\"}\n"));
  ASSERT_TRUE(slack.spec);
  EXPECT_EQ(slack.spec->options["api-url"], "http://127.0.0.1:9/api");
  auto pd =
      alerter(yaml("type: pagerduty\noptions: {routing-key: k, api-url: \"http://pd.local\"}\n"));
  ASSERT_TRUE(pd.spec);
  EXPECT_EQ(pd.spec->options["api-url"], "http://pd.local");
  EXPECT_THAT(
      alerter(yaml("type: pagerduty\noptions: {routing-key: k, api-url: pd.local}\n")).problems,
      ElementsAre("alerter 'a1': options.api-url: must start with http:// or https://, "
                  "got \"pd.local\""));
  EXPECT_THAT(
      alerter(yaml("type: slack\noptions: {token: t, channel: c, api-url: \"\"}\n")).problems,
      ElementsAre("alerter 'a1': options.api-url: must not be empty"));
}

TEST(Alerter, PagerDutyRoutingKeyOrToken) {
  auto a = alerter(yaml("type: pagerduty\noptions: {routing-key: abc}\n"));
  ASSERT_TRUE(a.spec);
  EXPECT_EQ(a.spec->options["routing-key"], "abc");
  EXPECT_THAT(alerter(yaml("type: pagerduty\noptions: {routing-key: a, token: b}\n")).problems,
              ElementsAre("alerter 'a1': options.token: use either routing-key or token (its old "
                          "name), not both"));
}

TEST(Alerter, EmailAuthAndTls) {
  auto login =
      alerter(yaml("type: email\noptions: {address: \"h:587\", to: \"a@b, c@d\", "
                   "username: u, password: p, auth: login}\n"));
  ASSERT_TRUE(login.spec) << ::testing::PrintToString(login.problems);
  EXPECT_EQ(login.spec->options["tls"], "starttls");
  EXPECT_EQ(login.spec->options["tls-verify"], "true");
  EXPECT_TRUE(
      alerter(yaml("type: email\noptions: {address: \"h:465\", to: a@b, tls: implicit, "
                   "username: u, password: p, ca-file: /etc/ca.pem, tls-verify: \"false\"}\n"))
          .spec);
  EXPECT_TRUE(
      alerter(yaml("type: email\noptions: {address: \"h:25\", to: a@b, tls: none}\n")).spec);
  EXPECT_TRUE(
      alerter(
          yaml("type: email\noptions: {address: \"h:25\", to: a@b, from: \"9volt <n@x.org>\"}\n"))
          .spec);
  EXPECT_THAT(
      alerter(yaml("type: email\noptions: {address: \"h:25\", to: a@b, tls: ssl}\n")).problems,
      ElementsAre("alerter 'a1': options.tls: must be \"starttls\", \"implicit\" or "
                  "\"none\", got \"ssl\""));
  EXPECT_THAT(alerter(yaml("type: email\noptions: {address: \"h:25\", to: a@b, tls: none, "
                           "username: u, password: p, auth: plain}\n"))
                  .problems,
              ElementsAre("alerter 'a1': options.tls: must be starttls or implicit when "
                          "credentials are set (they are never sent in clear text)"));
  EXPECT_THAT(
      alerter(yaml("type: email\noptions: {address: \"h:25\", to: a@b, username: u}\n")).problems,
      ElementsAre("alerter 'a1': options.password: username and password go together"));
  EXPECT_THAT(
      alerter(yaml("type: email\noptions: {address: \"h:25\", to: \"a@b, nobody\"}\n")).problems,
      ElementsAre(HasSubstr("options.to: must be an email address (or a comma-separated "
                            "list of them), got \"nobody\"")));
  EXPECT_THAT(
      alerter(yaml("type: email\noptions: {address: \"h:25\", to: a@b, from: me}\n")).problems,
      ElementsAre(HasSubstr("options.from: must be an email address")));
  EXPECT_THAT(
      alerter(yaml("type: email\noptions: {address: \"h:25\", to: a@b, tls-verify: \"no\"}\n"))
          .problems,
      ElementsAre("alerter 'a1': options.tls-verify: must be \"true\" or \"false\", got \"no\""));
  EXPECT_THAT(alerter(yaml("type: email\noptions: {address: \"h:25\", to: a@b, tls: none, "
                           "ca-file: /x.pem}\n"))
                  .problems,
              ElementsAre("alerter 'a1': options.ca-file: has no effect with tls: none"));
}

TEST(Alerter, WebhookHeaders) {
  auto a =
      alerter(yaml("type: webhook\noptions:\n  url: \"http://h/\"\n  headers: |\n"
                   "    Authorization: Bearer abc\n\n    X-Env:  prod \n"));
  ASSERT_TRUE(a.spec) << ::testing::PrintToString(a.problems);
  auto headers = parseHeaderLines(a.spec->options["headers"]);
  ASSERT_TRUE(headers);
  EXPECT_THAT(*headers, ElementsAre(Pair("Authorization", "Bearer abc"), Pair("X-Env", "prod")));
  EXPECT_THAT(
      alerter(yaml("type: webhook\noptions: {url: \"http://h/\", headers: \"Bearer abc\"}\n"))
          .problems,
      ElementsAre("alerter 'a1': options.headers: line 1: must be \"Name: value\" with a "
                  "header name of letters, digits and -"));
  EXPECT_THAT(
      alerter(yaml("type: webhook\noptions: {url: \"http://h/\", headers: \"X-A:\"}\n")).problems,
      ElementsAre("alerter 'a1': options.headers: line 1: header 'X-A' has no value"));
  EXPECT_THAT(
      alerter(
          yaml("type: webhook\noptions: {url: \"http://h/\", headers: \"Content-Length: 5\"}\n"))
          .problems,
      ElementsAre(
          "alerter 'a1': options.headers: line 1: header 'Content-Length' is set by 9volt"));
}

TEST(Alerter, SecretOptions) {
  EXPECT_TRUE(isSecretOption("slack", "token"));
  EXPECT_TRUE(isSecretOption("slack", "webhook-url"));
  EXPECT_TRUE(isSecretOption("pagerduty", "routing-key"));
  EXPECT_TRUE(isSecretOption("pagerduty", "token"));
  EXPECT_TRUE(isSecretOption("email", "password"));
  EXPECT_TRUE(isSecretOption("webhook", "headers"));
  EXPECT_TRUE(isSecretOption("webhook", "secret"));
  EXPECT_FALSE(isSecretOption("slack", "channel"));
  EXPECT_FALSE(isSecretOption("email", "username"));
  EXPECT_FALSE(isSecretOption("nosuch", "token"));
}

TEST(Alerter, RedactedKeepsTheObjectAsWrittenWithoutSecrets) {
  auto slack =
      alerter(yaml("type: slack\ndescription: ops\noptions: {token: xoxb-123, channel: c}\n"));
  ASSERT_TRUE(slack.spec);
  EXPECT_EQ(redactedAlerter(*slack.spec), cfgtest::json(R"({"type":"slack","description":"ops",
                              "options":{"token":"<redacted>","channel":"c"}})"));

  auto hook =
      alerter(yaml("type: webhook\noptions:\n  url: \"http://h/\"\n  secret: s3\n"
                   "  headers: |\n    Authorization: Bearer abc\n    X-Env: prod\n"));
  ASSERT_TRUE(hook.spec);
  auto redacted = redactedAlerter(*hook.spec);
  EXPECT_EQ(redacted["options"]["headers"], "Authorization: <redacted>\nX-Env: <redacted>\n");
  EXPECT_EQ(redacted["options"]["secret"], "<redacted>");
  EXPECT_EQ(redacted["options"]["url"], "http://h/");
  EXPECT_THAT(redacted.dump(), ::testing::Not(HasSubstr("abc")));

  auto mail =
      alerter(yaml("type: email\noptions: {address: \"h:25\", to: a@b, username: u, "
                   "password: hunter2}\n"));
  ASSERT_TRUE(mail.spec);
  EXPECT_EQ(redactedAlerter(*mail.spec)["options"]["password"], "<redacted>");
  EXPECT_EQ(redactedAlerter(*mail.spec)["options"]["username"], "u");

  // A spec made in code (no raw) is shown from its fields.
  AlerterSpec built{.name = "pd",
                    .type = "pagerduty",
                    .description = "",
                    .options = {{"routing-key", "rk"}},
                    .raw = {}};
  EXPECT_EQ(redactedAlerter(built)["options"]["routing-key"], "<redacted>");
}

TEST(Alerter, SecretValuesForScrubbing) {
  auto hook =
      alerter(yaml("type: webhook\noptions:\n  url: \"http://h/\"\n"
                   "  headers: |\n    Authorization: Bearer abc\n"));
  ASSERT_TRUE(hook.spec);
  EXPECT_THAT(alerterSecretValues(*hook.spec),
              ElementsAre("Authorization: Bearer abc\n", "Bearer abc"));
  auto slack = alerter(yaml("type: slack\noptions: {token: xoxb-1, channel: c}\n"));
  ASSERT_TRUE(slack.spec);
  EXPECT_THAT(alerterSecretValues(*slack.spec), ElementsAre("xoxb-1"));
}

TEST(Alerter, EmailAddressList) {
  EXPECT_THAT(splitAddressList(" a@b ,c@d,, "), ElementsAre("a@b", "c@d"));
  EXPECT_THAT(splitAddressList(""), ::testing::IsEmpty());
}

}  // namespace
}  // namespace ninevolt::config
