// Messages carry the original's titles and texts, and every field.
#include "alerts/notification.h"

#include <gtest/gtest.h>

#include "support/check_types.h"

namespace ninevolt::alerts {
namespace {

config::MonitorSpec monitor(nlohmann::json j) {
  config::Problems problems;
  auto s = config::parseMonitor("web", j, problems);
  EXPECT_TRUE(s) << (problems.empty() ? "" : problems[0].toString());
  return *s;
}

TEST(Notification, TitlesTextsAndFieldsAsTheOriginal) {
  NV_REQUIRE_CHECK_TYPES("http");
  auto info = checkInfoOf(monitor({{"type", "http"},
                                   {"host", "example.com"},
                                   {"url", "/health?x=1"},
                                   {"interval", "10s"},
                                   {"description", "front page"},
                                   {"critical-alerter", {"pager"}}}));
  EXPECT_EQ(info.target, "GET http://example.com:80/health?x=1");
  EXPECT_EQ(info.critical_alerter, std::vector<std::string>{"pager"});

  auto step = applyChange(std::nullopt,
                          {"web", state::CheckState::kOk, state::CheckState::kCritical, 3,
                           "timed out", std::chrono::system_clock::now()},
                          {}, {"pager"}, "m1", "i1");
  auto n = makeNotification(info, *step.incident, step.deliveries[0], "m1", "https://9v.example/");
  EXPECT_EQ(n.title, "HTTP check 'web' failure");
  EXPECT_EQ(n.text, "Check has entered into critical state after 3 checks");
  EXPECT_EQ(n.status, "critical");
  EXPECT_EQ(n.error, "timed out");
  EXPECT_EQ(n.description, "front page");
  EXPECT_EQ(n.member_id, "m1");
  EXPECT_EQ(n.link, "https://9v.example/ui/#/check/web");
  EXPECT_EQ(n.transition_id, "web/i1/1");

  auto r = applyChange(step.incident,
                       {"web", state::CheckState::kCritical, state::CheckState::kOk, 0, "",
                        std::chrono::system_clock::now()},
                       {}, {"pager"}, "m2", "unused");
  auto rn = makeNotification(info, *r.incident, r.deliveries[0], "m2", "");
  EXPECT_EQ(rn.kind, NotificationKind::kResolve);
  EXPECT_EQ(rn.title, "HTTP check 'web' recovery");
  EXPECT_EQ(rn.text, "Check has recovered from critical state after 3 checks");
  EXPECT_EQ(rn.status, "ok");
  EXPECT_EQ(rn.previous_status, "critical");
  EXPECT_EQ(rn.link, "");
}

TEST(Notification, TargetsOfEachType) {
  NV_REQUIRE_CHECK_TYPES("tcp", "exec", "dns");
  EXPECT_EQ(
      checkInfoOf(monitor({{"type", "tcp"}, {"host", "db"}, {"port", 5432}, {"interval", "10s"}}))
          .target,
      "db:5432");
  EXPECT_EQ(checkInfoOf(monitor({{"type", "exec"},
                                 {"command", "/bin/check"},
                                 {"args", {"-v", "x"}},
                                 {"interval", "10s"}}))
                .target,
            "/bin/check -v x");
  EXPECT_EQ(checkInfoOf(monitor({{"type", "dns"},
                                 {"host", "127.0.0.1"},
                                 {"dns-target", "example.com"},
                                 {"interval", "10s"}}))
                .target,
            "example.com A @127.0.0.1:53");
}

}  // namespace
}  // namespace ninevolt::alerts
