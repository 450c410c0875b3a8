// Event keys (format, order), event JSON (ours and the original's) and the list filter.
#include "store/event.h"

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

#include "common/clock.h"
#include "store/keys.h"

namespace ninevolt::store {
namespace {

using namespace std::chrono_literals;

common::SystemTime at(const char* rfc3339) {
  auto t = common::parseRfc3339(rfc3339);
  EXPECT_TRUE(t) << rfc3339;
  return t ? *t : common::SystemTime{};
}

TEST(EventKeys, FormatIsTimeMemberSeq) {
  Keys k("9volt");
  EXPECT_EQ(k.event(at("2025-01-02T03:04:05.123456Z"), "3f1c0a2b", 42),
            "/9volt/event/20250102T030405.123456Z-3f1c0a2b-000042");
  EXPECT_EQ(k.eventsFrom(at("2025-01-02T03:04:05Z")), "/9volt/event/20250102T030405.000000Z");
  EXPECT_EQ(k.eventLease(), "/9volt/cluster/event-lease");
  // Sub-microsecond parts are cut, never rounded into the next microsecond.
  EXPECT_EQ(Keys::eventTime(at("2025-01-02T03:04:05.9999999Z")), "20250102T030405.999999Z");
}

TEST(EventKeys, SortLikeTheirTimes) {
  Keys k("9volt");
  std::vector<common::SystemTime> times{
      at("1999-12-31T23:59:59.999999Z"), at("2000-01-01T00:00:00Z"),
      at("2000-01-01T00:00:00.000001Z"), at("2000-01-01T00:00:09Z"),
      at("2000-01-01T00:00:10Z"),        at("2000-10-01T00:00:00Z"),
      at("2031-02-03T04:05:06.7Z")};
  std::vector<std::string> keys;
  for (auto t : times) {
    keys.push_back(k.event(t, "b", 0));
  }
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  // Within one microsecond: member, then sequence (fixed width up to a million).
  EXPECT_LT(k.event(times[0], "a", 999), k.event(times[0], "b", 0));
  EXPECT_LT(k.event(times[0], "a", 9), k.event(times[0], "a", 10));
  // eventsFrom(t) is a lower bound for every key at t or later, above every earlier one.
  EXPECT_LE(k.eventsFrom(times[2]), k.event(times[2], "", 0));
  EXPECT_GT(k.eventsFrom(times[2]), k.event(times[1], "zzzzzzzz", 999999));
}

TEST(EventJson, RoundTripsWithOriginalFieldNames) {
  Event e{.type = kEventWarning,
          .kind = event_kind::kCheckOrphaned,
          .message = "check 'web' has no eligible member",
          .time = at("2025-01-02T03:04:05.000123Z"),
          .member_id = "3f1c0a2b",
          .check = "web"};
  auto j = e.toJson();
  EXPECT_EQ(j["type"], "warning");
  EXPECT_EQ(j["kind"], "check-orphaned");
  EXPECT_EQ(j["timestamp"], "2025-01-02T03:04:05.000123Z");
  EXPECT_EQ(j["memberid"], "3f1c0a2b");
  EXPECT_EQ(j["check"], "web");
  EXPECT_FALSE(j.contains("member"));  // empty optional fields are left out
  auto back = Event::fromJson(j);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->toJson(), j);
  EXPECT_EQ(back->time, e.time);
}

TEST(EventJson, ReadsTheOriginalsEvents) {
  // What 9volt (Go) wrote: no kind, local time with an offset and nanoseconds.
  auto e = Event::fromJson(nlohmann::json::parse(
      R"({"type":"error","message":"Unable to fetch director state [err=x]",)"
      R"("timestamp":"2017-03-01T10:00:00.123456789-08:00","memberid":"abcd1234"})"));
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->type, "error");
  EXPECT_EQ(e->kind, "");
  EXPECT_EQ(e->member_id, "abcd1234");
  EXPECT_EQ(e->time, at("2017-03-01T18:00:00.123456Z"));
  EXPECT_FALSE(Event::fromJson(nlohmann::json::parse(R"({"message":"no type"})")));
  EXPECT_FALSE(Event::fromJson(nlohmann::json::parse(R"({"type":"info","timestamp":"soon"})")));
}

TEST(EventFilter, MatchesTypeOrKindAndSince) {
  Event e{
      .type = kEventWarning, .kind = event_kind::kMemberLeft, .time = at("2025-01-02T03:04:05Z")};
  EXPECT_TRUE(EventFilter{}.matches(e));
  EXPECT_TRUE((EventFilter{.types = {"error", "warning"}}.matches(e)));
  EXPECT_TRUE(EventFilter{.types = {"member-left"}}.matches(e));
  EXPECT_FALSE((EventFilter{.types = {"error", "member-joined"}}.matches(e)));
  EXPECT_TRUE(EventFilter{.since = e.time}.matches(e));
  EXPECT_FALSE(EventFilter{.since = e.time + 1us}.matches(e));
  EXPECT_TRUE(EventFilter{.since = e.time + 999ns}.matches(e));  // stored times are in µs
  Event original{.type = "api", .time = e.time};  // no kind: an empty filter name never matches
  EXPECT_FALSE(EventFilter{.types = {""}}.matches(original));
}

}  // namespace
}  // namespace ninevolt::store
