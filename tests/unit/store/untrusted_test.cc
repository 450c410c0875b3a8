// Decoding what is read from etcd (store/untrusted.h): names from keys, JSON, states, member
// records, events; and Rejections reporting each bad key once per revision.
#include "store/untrusted.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "store/check_state.h"
#include "store/director_record.h"
#include "store/event.h"
#include "store/store.h"

namespace ninevolt::store {
namespace {

using ::testing::HasSubstr;

TEST(Untrusted, NamesFromKeys) {
  EXPECT_EQ(nameFromKey("/9volt/monitor/", "/9volt/monitor/web-1.x_y").value(), "web-1.x_y");
  auto bad = nameFromKey("/9volt/monitor/", "/9volt/monitor/we\x01ird\xff");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "not a valid name: byte 3 (\\x01) of the name is not one of A-Z a-z 0-9 . _ -");
  EXPECT_THAT(nameFromKey("/9volt/monitor/", "/9volt/monitor/a/b").error().message,
              HasSubstr("byte 2 (/)"));
  EXPECT_THAT(nameFromKey("/9volt/monitor/", "/9volt/monitor/").error().message,
              HasSubstr("empty name"));
  EXPECT_THAT(nameFromKey("/9volt/monitor/", "/9volt/monitor/..").error().message,
              HasSubstr("'..' is not a name"));
  EXPECT_THAT(
      nameFromKey("/9volt/monitor/", "/9volt/monitor/" + std::string(10000, 'a')).error().message,
      HasSubstr("a name of 10000 bytes (at most 128)"));
  EXPECT_FALSE(nameFromKey("/9volt/monitor/", "/9volt/alerter/x"));
}

TEST(Untrusted, JsonSaysWhyNotInsteadOfNull) {
  EXPECT_EQ(decodeJson("").error().message, "empty value (not JSON)");
  auto not_json = decodeJson("not json");
  ASSERT_FALSE(not_json);
  EXPECT_THAT(not_json.error().message, ::testing::StartsWith("not JSON: "));
  EXPECT_THAT(decodeJson("\xff").error().message, ::testing::StartsWith("not JSON: "));
  EXPECT_EQ(decodeObject("[1,2]").error().message, "expected a JSON object, got a list");
  EXPECT_TRUE(decodeObject(R"({"a":1})"));
}

TEST(Untrusted, States) {
  EXPECT_TRUE(decodeState(R"({"status":"ok","count":3,"owner":"m1","message":"fine"})"));
  EXPECT_EQ(decodeState(R"({"status":5})").error().message,
            "status: expected ok, warning or critical");
  EXPECT_EQ(decodeState(R"({"status":"bad"})").error().message,
            "status: expected ok, warning or critical");
  EXPECT_EQ(decodeState(R"({"status":"ok","owner":[]})").error().message,
            "owner: expected a string");
  EXPECT_EQ(decodeState(R"({"status":"ok","count":-1})").error().message,
            "count: expected an integer >= 0");
  EXPECT_EQ(decodeState(R"({"status":"ok","count":"1"})").error().message,
            "count: expected an integer >= 0");
  EXPECT_EQ(decodeState("[]").error().message, "expected a JSON object, got a list");
  // The flap history: letters o, w, c only, at most 64; flapping a boolean.
  EXPECT_EQ(decodeState(R"({"status":"ok","history":"oocx"})").error().message,
            "history: expected a string of up to 64 of the letters o, w, c");
  EXPECT_EQ(decodeState(R"({"status":"ok","history":7})").error().message,
            "history: expected a string of up to 64 of the letters o, w, c");
  EXPECT_FALSE(decodeState(R"({"status":"ok","history":")" + std::string(65, 'o') + R"("})"));
  EXPECT_EQ(decodeState(R"({"status":"ok","flapping":"yes"})").error().message,
            "flapping: expected true or false");
  auto flapping = decodeState(R"({"status":"critical","history":"ococ","flapping":true})");
  ASSERT_TRUE(flapping);
  EXPECT_EQ(flapping->history, "ococ");
  EXPECT_TRUE(flapping->flapping);
  EXPECT_EQ(decodeState(checkStateText(*flapping))->toJson(), flapping->toJson());
  // Written back as read: the typed record keeps every field the owner writes.
  auto state = decodeState(
      R"({"check":"web","owner":"m1","status":"critical","result":"unknown","count":18446744073709551615,"message":"x","date":"2026-12-05T10:00:00Z","duration_ms":1.5})");
  ASSERT_TRUE(state);
  EXPECT_EQ(state->count, INT64_MAX);  // beyond any threshold, kept within range
  EXPECT_TRUE(state->time());
  auto again = decodeState(checkStateText(*state));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->toJson(), state->toJson());
}

TEST(Untrusted, DirectorRecords) {
  auto d = decodeDirector(R"({"id":"3f1c0a2b","since":"2026-12-05T10:00:00Z"})");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->id, "3f1c0a2b");
  EXPECT_EQ(decodeDirector(directorText(*d))->since, "2026-12-05T10:00:00Z");
  EXPECT_EQ(decodeDirector(R"({"since":"x"})").error().message, "no id");
  EXPECT_EQ(decodeDirector(R"({"id":7})").error().message, "id: expected a string, got an integer");
  EXPECT_EQ(decodeDirector(R"({"id":""})").error().message, "id: 0 bytes; an id has 1 to 256");
  EXPECT_EQ(decodeDirector(R"({"id":"m1","since":[]})").error().message,
            "since: expected a string, got a list");
}

etcd::KeyValue kv(std::string key, std::string value, int64_t lease = 7, int64_t rev = 1) {
  return {.key = std::move(key), .value = std::move(value), .mod_revision = rev, .lease = lease};
}

TEST(Untrusted, MemberRecords) {
  const std::string p = "/9volt/cluster/members/";
  auto m = decodeMember(p, kv(p + "m1", R"({"id":"m1","tags":["a"],"checks":3})"));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->tags, std::vector<std::string>{"a"});
  EXPECT_EQ(m->checks, 3);
  EXPECT_THAT(decodeMember(p, kv(p + "m1", R"({"id":"m1"})", 0)).error().message,
              HasSubstr("not on a lease"));
  EXPECT_THAT(decodeMember(p, kv(p + "m1", R"({"id":"m2"})")).error().message,
              HasSubstr("the record's id 'm2' is not the key's 'm1'"));
  EXPECT_THAT(decodeMember(p, kv(p + "m\xff", R"({"id":"m"})")).error().message,
              HasSubstr("not a valid name"));
  // Fields of the wrong type are errors naming the field, never exceptions.
  EXPECT_EQ(decodeMember(p, kv(p + "m1", R"({"id":"m1","hostname":5})")).error().message,
            "hostname: expected a string, got an integer");
  EXPECT_EQ(decodeMember(p, kv(p + "m1", R"({"id":"m1","tags":"a"})")).error().message,
            "tags: expected a list of strings");
  EXPECT_EQ(decodeMember(p, kv(p + "m1", R"({"id":"m1","checks":"3"})")).error().message,
            "checks: expected an integer");
  EXPECT_THAT(decodeMember(p, kv(p + "m1", "not json")).error().message,
              ::testing::StartsWith("not JSON"));
  // A location (--location) is a name, or absent ("": none).
  auto located = decodeMember(p, kv(p + "m1", R"({"id":"m1","location":"eu-west"})"));
  ASSERT_TRUE(located) << located.error().message;
  EXPECT_EQ(located->location, "eu-west");
  EXPECT_EQ(decodeMember(p, kv(p + "m1", R"({"id":"m1"})"))->location, "");
  EXPECT_THAT(decodeMember(p, kv(p + "m1", R"({"id":"m1","location":"eu west"})")).error().message,
              HasSubstr("location: "));
  EXPECT_EQ(decodeMember(p, kv(p + "m1", R"({"id":"m1","location":7})")).error().message,
            "location: expected a string, got an integer");
}

TEST(Untrusted, EventsAndTheLeaseRecordNeverThrow) {
  EXPECT_TRUE(decodeEvent(R"({"type":"info","timestamp":"2025-01-02T03:04:05Z"})"));
  EXPECT_EQ(decodeEvent(R"({"type":"info","message":5,"timestamp":"2025-01-02T03:04:05Z"})")
                .error()
                .message,
            "message: expected a string, got an integer");
  EXPECT_THAT(decodeEvent("").error().message, HasSubstr("empty value"));
  EXPECT_EQ(decodeEvent("[]").error().message, "expected a JSON object, got a list");
  auto lease = EventLeaseRecord::fromJson(nlohmann::json::parse(R"({"id":1,"ttl":"x"})"));
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->ttl_seconds, 0);
  // An event with bytes that are not UTF-8 in its message is still written.
  Event e;
  e.message = "bad \xff name";
  EXPECT_NO_THROW((void)eventText(e));
}

TEST(Rejections, OncePerKeyAndRevision) {
  Rejections r;
  std::vector<Rejection> got;
  r.setHandler([&](const Rejection& x) { got.push_back(x); });
  EXPECT_TRUE(r.reject("/9volt/monitor/we\x01ird\xff", 5, "not a valid name"));
  EXPECT_FALSE(r.reject("/9volt/monitor/we\x01ird\xff", 5, "not a valid name"));  // every loop
  EXPECT_TRUE(r.reject("/9volt/monitor/we\x01ird\xff", 6, "not a valid name"));   // rewritten
  EXPECT_TRUE(r.reject("/9volt/monitor/web", 6, "not JSON: x", "web"));
  EXPECT_TRUE(r.reject("/9volt/state/x", 6, "bad \xff", "\xff"));
  ASSERT_EQ(got.size(), 4U);
  EXPECT_EQ(got[0].key, "/9volt/monitor/we\\x01ird\\xff");
  EXPECT_EQ(got[0].message, "/9volt/monitor/we\\x01ird\\xff: not a valid name; skipped");
  EXPECT_EQ(got[0].check, "");
  EXPECT_EQ(got[2].check, "web");
  EXPECT_EQ(got[3].message, "/9volt/state/x: bad \\xff; skipped");
  EXPECT_EQ(got[3].check, "");  // not a valid name: not named as a check
  EXPECT_EQ(r.count(), 4U);
}

TEST(Rejections, MemoryIsBounded) {
  spdlog::set_level(spdlog::level::off);  // 10,000 warnings
  Rejections r;
  for (size_t i = 0; i < Rejections::kRemembered + 10; ++i) {
    EXPECT_TRUE(r.reject("/k/" + std::to_string(i), 1, "bad"));
  }
  EXPECT_EQ(r.count(), Rejections::kRemembered + 10);
  // Forgotten (the memory started over), so reported again; never unbounded.
  EXPECT_TRUE(r.reject("/k/0", 1, "bad"));
  spdlog::set_level(spdlog::level::info);
}

}  // namespace
}  // namespace ninevolt::store
