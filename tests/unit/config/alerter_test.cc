#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
  EXPECT_THAT(a.spec->options, ElementsAre(Pair("channel", "#ops"), Pair("token", "xoxb-1"),
                                           Pair("username", "9volt-bot")));
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
              UnorderedElementsAre("alerter 'a1': options.token: required option is missing",
                                   "alerter 'a1': options.channel: required option is missing"));
  EXPECT_THAT(alerter(yaml("type: pagerduty\noptions: {token: \"\"}\n")).problems,
              ElementsAre("alerter 'a1': options.token: must not be empty"));
}

TEST(Alerter, UnknownOptionWithDidYouMean) {
  EXPECT_THAT(
      alerter(yaml("type: slack\noptions: {token: t, chanel: c}\n")).problems,
      UnorderedElementsAre("alerter 'a1': options: unknown option 'chanel' for type slack (did you "
                           "mean 'channel'?)",
                           "alerter 'a1': options.channel: required option is missing"));
}

TEST(Alerter, OptionValuesMustBeStrings) {
  EXPECT_THAT(alerter(yaml("type: pagerduty\noptions: {token: 5}\n")).problems,
              ElementsAre("alerter 'a1': options.token: expected a string, got integer 5"));
  EXPECT_THAT(alerter(yaml("type: pagerduty\noptions: [token]\n")).problems,
              UnorderedElementsAre("alerter 'a1': options: expected a map of strings, got list",
                                   "alerter 'a1': options.token: required option is missing"));
}

TEST(Alerter, PagerDuty) {
  auto a = alerter(yaml("type: pagerduty\noptions: {token: abc123}\n"));
  ASSERT_TRUE(a.spec);
  EXPECT_THAT(a.spec->options, ElementsAre(Pair("token", "abc123")));
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
              ElementsAre("alerter 'a1': options.to: must be an email address, got \"nobody\""));
  EXPECT_THAT(
      alerter(yaml("type: email\noptions: {address: \"h:25\", to: a@b, auth: login}\n")).problems,
      ElementsAre("alerter 'a1': options.auth: must be \"plain\" or \"md5\", got \"login\""));
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
                  "alerter 'a1': options.token: required option is missing"));
  EXPECT_THAT(alerter(yaml("type: pagerduty\ndescription: 5\noptions: {token: t}\n")).problems,
              ElementsAre("alerter 'a1': description: expected a string, got integer 5"));
}

TEST(Alerter, ValueAndName) {
  EXPECT_THAT(alerter(yaml("slack")).problems,
              ElementsAre("alerter 'a1': expected a map with type, description and options, got "
                          "string \"slack\""));
  EXPECT_THAT(alerter(yaml("type: pagerduty\noptions: {token: t}\n"), "bad/name").problems,
              ElementsAre("alerter 'bad/name': invalid name: use 1 to 128 characters from A-Z "
                          "a-z 0-9 . _ -"));
}

}  // namespace
}  // namespace ninevolt::config
