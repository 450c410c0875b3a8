// The push type's fields and rules: token bounds and characters (never quoted back), grace,
// the bounded wait, how often it is judged, and redaction.
#include "checks/push/push_type.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "config/spec.h"
#include "integration/checks/check_harness.h"

namespace ninevolt::checks::push {
namespace {

using namespace std::chrono_literals;
using checks::testing::problemsOf;
using checks::testing::specOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const nlohmann::json kBase{{"type", "push"}, {"interval", "1m"}, {"token", "abcdefghijklmnop"}};

TEST(PushType, DefaultsAndTarget) {
  auto spec = specOf(kBase);
  const auto& p = spec.options<PushSpec>();
  EXPECT_EQ(p.token, "abcdefghijklmnop");
  EXPECT_EQ(p.grace, 30s);
  EXPECT_EQ(spec.type->target(spec), "push to /api/v1/push/t");
  auto shown = config::effectiveMonitor(spec);
  EXPECT_EQ(shown["token"], "<redacted>");
  EXPECT_EQ(shown["grace"], "30s");
}

TEST(PushType, JudgedEveryTenSecondsAtMostAndNeverLessOftenThanTheInterval) {
  EXPECT_EQ(specOf(kBase).type->runEvery(specOf(kBase)), 10s);
  auto fast = specOf(kBase, {{"interval", "2s"}});
  EXPECT_EQ(fast.type->runEvery(fast), 2s);
}

TEST(PushType, TokenRequiredBoundedAndUrlSafeWithoutQuotingIt) {
  auto base = kBase;
  base.erase("token");
  EXPECT_THAT(problemsOf(base, nlohmann::json::object()),
              ElementsAre(HasSubstr("token: required")));
  EXPECT_THAT(problemsOf(kBase, {{"token", "short-secret"}}),
              ElementsAre(AllOf(HasSubstr("12 characters; a push token has 16 to 256"),
                                Not(HasSubstr("short-secret")))));
  EXPECT_THAT(problemsOf(kBase, {{"token", std::string(257, 'a')}}),
              ElementsAre(HasSubstr("257 characters")));
  EXPECT_THAT(
      problemsOf(kBase, {{"token", "secret with space!"}}),
      ElementsAre(AllOf(HasSubstr("character 7 is not one of"), Not(HasSubstr("secret with")))));
  EXPECT_THAT(problemsOf(kBase, {{"token", 1234567890123456789}}),
              ElementsAre(AllOf(HasSubstr("expected a string, got integer (value not shown"),
                                Not(HasSubstr("1234567890123456789")))));
  EXPECT_TRUE(problemsOf(kBase, {{"token", "A-z_0.9~" + std::string(8, 'x')}}).empty());
}

TEST(PushType, GraceAndIntervalAreBounded) {
  EXPECT_EQ(specOf(kBase, {{"grace", "5m"}}).options<PushSpec>().grace, 5min);
  EXPECT_THAT(problemsOf(kBase, {{"grace", "0s"}}), ElementsAre(HasSubstr("grace")));
  EXPECT_THAT(problemsOf(kBase, {{"grace", "9000h"}}), ElementsAre(HasSubstr("grace: at most")));
  EXPECT_THAT(problemsOf(kBase, {{"interval", "9000h"}}),
              ElementsAre(HasSubstr("a push check waits at most")));
  EXPECT_THAT(problemsOf(kBase, {{"grace", "2562047h"}}), ElementsAre(HasSubstr("grace")));
  EXPECT_THAT(problemsOf(kBase, {{"bogus", 1}}), ElementsAre(HasSubstr("unknown field")));
}

}  // namespace
}  // namespace ninevolt::checks::push
