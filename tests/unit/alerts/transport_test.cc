// alerts/transport's pure parts: what error text may name, status -> retryable or not,
// secrets scrubbed, the notification as JSON and text, UTF-8 safe cuts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "alerts/transport/http_client.h"
#include "alerts/transport/notification_format.h"
#include "alerts/transport/outcome.h"
#include "alerts/transport/scrubber.h"

namespace ninevolt::alerts::transport {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Transport, OriginNamesSchemeHostAndPortOnly) {
  EXPECT_EQ(originOf("https://hooks.slack.com/services/T0/B0/SECRET"), "https://hooks.slack.com");
  EXPECT_EQ(originOf("http://127.0.0.1:8080/x?token=abc#f"), "http://127.0.0.1:8080");
  EXPECT_EQ(originOf("https://user:pw@example.com:8443/p"), "https://example.com:8443");
  EXPECT_EQ(originOf("http://[::1]:25"), "http://[::1]:25");
  EXPECT_EQ(originOf("no scheme/secret"), "(url)");
}

TEST(Transport, StatusDecidesRetry) {
  for (long s : {200L, 201L, 202L, 204L, 299L}) {
    EXPECT_TRUE(judgeHttpStatus({.status = s}, "x")) << s;
  }
  for (long s : {408L, 425L, 429L, 500L, 502L, 503L, 504L}) {
    auto r = judgeHttpStatus({.status = s}, "x");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::kUnavailable) << s;
  }
  for (long s : {301L, 302L, 400L, 401L, 403L, 404L, 410L, 413L, 422L}) {
    auto r = judgeHttpStatus({.status = s}, "x");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument) << s;
  }
  auto r = judgeHttpStatus({.status = 429, .body = "slow\r\ndown", .retry_after = "30"}, "hook");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "hook: HTTP 429, retry after 30: slow  down");
}

TEST(Transport, ExcerptIsOneShortLine) {
  EXPECT_EQ(excerpt("a\nb\tc  \n"), "a b c");
  EXPECT_EQ(excerpt(std::string(500, 'x'), 10), "xxxxxxxxxx...");
}

TEST(Transport, ScrubberRemovesEverySecret) {
  Scrubber s(std::vector<std::string>{"tok-123456", "tok-123456-longer", "pw"});
  EXPECT_EQ(s.scrub("a tok-123456-longer b tok-123456 c"), "a <redacted> b <redacted> c");
  EXPECT_EQ(s.scrub("pw is too short to scrub"), "pw is too short to scrub");
  auto r = s.result(fail(Errc::kUnavailable, "echo tok-123456"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_EQ(r.error().message, "echo <redacted>");
}

TEST(Transport, ScrubberReadsTheSpecsSecrets) {
  config::AlerterSpec spec{.name = "hook",
                           .type = "webhook",
                           .description = "",
                           .options = {{"url", "https://h/x"},
                                       {"headers", "Authorization: Bearer abcdef\nX-A: visible1"},
                                       {"secret", "hmac-key"}},
                           .raw = {}};
  Scrubber s(spec);
  EXPECT_EQ(s.scrub("Bearer abcdef / hmac-key / visible1 / https://h/x"),
            "<redacted> / <redacted> / <redacted> / https://h/x");
}

Notification sample() {
  Notification n;
  n.kind = NotificationKind::kWarning;
  n.transition_id = "db/2";
  n.check = "db";
  n.check_type = "tcp";
  n.target = "db:5432";
  n.status = "warning";
  n.previous_status = "ok";
  n.count = 2;
  n.title = "TCP check 'db' failure";
  n.text = "Check has entered into warning state after 2 checks";
  n.error = "connection refused";
  n.member_id = "m1";
  n.time = std::chrono::system_clock::time_point(std::chrono::seconds(1'795'000'000));
  return n;
}

TEST(Transport, NotificationJsonHasEveryField) {
  auto j = notificationJson(sample());
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["kind"], "warning");
  EXPECT_EQ(j["description"], "");
  EXPECT_EQ(j["time"], "2026-11-18T11:06:40Z");
  EXPECT_TRUE(j["failing_since"].is_null());
  EXPECT_TRUE(j["link"].is_null());
  EXPECT_TRUE(j["ack_link"].is_null());
  EXPECT_TRUE(j["acked_by"].is_null());
  EXPECT_TRUE(j["ack_comment"].is_null());
  EXPECT_EQ(j.size(), 20u);
}

TEST(Transport, InvalidUtf8DoesNotThrow) {
  Notification n = sample();
  n.error = "bytes \xff\xfe from a target";
  std::string text = dumpJson(notificationJson(n));
  EXPECT_THAT(text, HasSubstr("bytes \xEF\xBF\xBD\xEF\xBF\xBD from a target"));  // U+FFFD
}

TEST(Transport, NotificationTextSkipsEmptyFields) {
  std::string text = notificationText(sample());
  EXPECT_THAT(text, HasSubstr("TCP check 'db' failure\nCheck has entered into warning state"));
  EXPECT_THAT(text, HasSubstr("Check:         db (tcp)\n"));
  EXPECT_THAT(text, HasSubstr("Status:        warning (was ok)\n"));
  EXPECT_THAT(text, Not(HasSubstr("Description")));
  EXPECT_THAT(text, Not(HasSubstr("Link")));
}

TEST(Transport, TruncateKeepsWholeCharacters) {
  EXPECT_EQ(truncateUtf8("short", 10), "short");
  const std::string text = "a\xc3\xa9" + std::string(20, 'b');  // é is 2 bytes
  EXPECT_EQ(truncateUtf8(text, 6), "a\xc3\xa9\u2026");
  EXPECT_EQ(truncateUtf8(text, 5), "a\u2026");  // é would be split: left out whole
  EXPECT_EQ(truncateUtf8("abcdefgh", 7), "abcd\u2026");
}

}  // namespace
}  // namespace ninevolt::alerts::transport
