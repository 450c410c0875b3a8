// The event log against a real etcd: keys and JSON as written, the shared retention lease
// (shared, rotated, expiring), the count cap, an etcd outage, and keys that never collide.
#include "events/event_log.h"

#include <regex>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/etcd_fixture.h"

namespace ninevolt::events {
namespace {

using namespace std::chrono_literals;
using ninevolt::testing::eventually;
using ::testing::ElementsAreArray;

class EventLogTest : public ninevolt::testing::EtcdTest {
 protected:
  void SetUp() override {
    EtcdTest::SetUp();
    store_ = std::make_shared<store::Store>(client_, "9volt");
  }

  std::unique_ptr<EventLog> newLog(EventLog::Options o) {
    return std::make_unique<EventLog>(store_, std::move(o));
  }

  std::vector<etcd::KeyValue> stored() {
    auto r = client_->range("/9volt/event/", {.prefix = true});
    EXPECT_TRUE(r) << r.error().message;
    return r ? r->kvs : std::vector<etcd::KeyValue>{};
  }

  std::shared_ptr<store::Store> store_;
};

TEST_F(EventLogTest, WritesTheOriginalsFieldsUnderSortableKeysOnOneSharedLease) {
  auto a = newLog({.member_id = "aaaa1111"});
  a->record(store::kEventWarning, store::event_kind::kCheckOrphaned, "no member for 'web'", "web");
  a->record(store::kEventInfo, store::event_kind::kMemberJoined, "member bbbb2222 joined", {},
            "bbbb2222");
  a->record(store::Event{.type = store::kEventError,
                         .kind = store::event_kind::kConfigRejected,
                         .message = std::string(10000, 'x')});
  ASSERT_TRUE(a->flush(10s));

  auto kvs = stored();
  ASSERT_EQ(kvs.size(), 3U);
  const std::regex key_shape(R"(/9volt/event/\d{8}T\d{6}\.\d{6}Z-aaaa1111-\d{6})");
  for (const auto& kv : kvs) {
    EXPECT_TRUE(std::regex_match(kv.key, key_shape)) << kv.key;
    EXPECT_EQ(kv.lease, a->leaseId());
  }
  EXPECT_NE(a->leaseId(), 0);
  auto first = nlohmann::json::parse(kvs[0].value);  // keys sort in recording order
  EXPECT_EQ(first["type"], "warning");
  EXPECT_EQ(first["kind"], "check-orphaned");
  EXPECT_EQ(first["message"], "no member for 'web'");
  EXPECT_EQ(first["memberid"], "aaaa1111");
  EXPECT_EQ(first["check"], "web");
  EXPECT_TRUE(common::parseRfc3339(first["timestamp"].get<std::string>()));
  EXPECT_EQ(nlohmann::json::parse(kvs[1].value)["member"], "bbbb2222");
  EXPECT_LE(nlohmann::json::parse(kvs[2].value)["message"].get<std::string>().size(),
            EventLog::kMaxMessageBytes + 3);  // cut, with "..."

  // The lease is recorded for the others, with TTL retention + rotation (25 h).
  auto record = store_->getEventLease();
  ASSERT_TRUE(record && record->has_value());
  EXPECT_EQ((*record)->id, a->leaseId());
  EXPECT_EQ((*record)->ttl_seconds, 25 * 3600);
  auto ttl = client_->leaseTimeToLive(a->leaseId());
  ASSERT_TRUE(ttl);
  EXPECT_GT(ttl->ttl, 24 * 3600);

  // A second member writes on the same lease.
  auto b = newLog({.member_id = "bbbb2222"});
  b->record(store::kEventInfo, store::event_kind::kDirectorChanged, "b directs");
  ASSERT_TRUE(b->flush(10s));
  EXPECT_EQ(b->leaseId(), a->leaseId());
  EXPECT_EQ(stored().size(), 4U);
  EXPECT_EQ(b->stats().written, 1U);
  EXPECT_EQ(a->stats().written, 3U);
}

TEST_F(EventLogTest, ListEventsFiltersByTypeOrKindAndSinceNewestFirstAcrossPages) {
  auto log = newLog({.member_id = "m1"});
  const auto base = std::chrono::system_clock::now() - 1h;
  constexpr int kEvents = 1100;  // more than one 500-key page
  for (int i = 0; i < kEvents; ++i) {
    bool warn = i % 100 == 0;
    log->record(store::Event{
        .type = warn ? store::kEventWarning : store::kEventInfo,
        .kind = warn ? store::event_kind::kMemberLeft : store::event_kind::kMemberJoined,
        .message = std::to_string(i),
        .time = base + std::chrono::seconds(i)});
  }
  ASSERT_TRUE(log->flush(30s));

  auto all = store_->listEvents({});
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), static_cast<size_t>(kEvents));
  EXPECT_EQ(all->front().event.message, std::to_string(kEvents - 1));  // newest first
  EXPECT_EQ(all->back().event.message, "0");

  auto newest = store_->listEvents({.limit = 3});
  ASSERT_TRUE(newest);
  std::vector<std::string> messages;
  for (const auto& e : *newest) {
    messages.push_back(e.event.message);
  }
  EXPECT_THAT(messages, ElementsAreArray({"1099", "1098", "1097"}));

  // By the original's type and by kind; the two oldest matches are on the last page.
  for (const char* type : {"warning", "member-left"}) {
    auto warnings = store_->listEvents({.types = {type, "error"}});
    ASSERT_TRUE(warnings);
    ASSERT_EQ(warnings->size(), 11U) << type;
    EXPECT_EQ(warnings->back().event.message, "0");
  }
  auto since = store_->listEvents({.types = {"warning"}, .since = base + 500s, .limit = 2});
  ASSERT_TRUE(since);
  ASSERT_EQ(since->size(), 2U);
  EXPECT_EQ((*since)[0].event.message, "1000");
  EXPECT_EQ((*since)[1].event.message, "900");
  auto from_exact = store_->listEvents({.since = base + 1099s});
  ASSERT_TRUE(from_exact);
  ASSERT_EQ(from_exact->size(), 1U);
  EXPECT_EQ(store_->countEvents().value_or(-1), kEvents);
}

TEST_F(EventLogTest, RotatesTheSharedLeaseAndEventsExpireWithTheirLease) {
  // TTL 3 s; a lease is replaced once it has no more than 2 s left.
  EventLog::Options o{.member_id = "m1", .retention = 2s, .rotation = 1s};
  auto log = newLog(o);
  log->record(store::kEventInfo, store::event_kind::kMemberJoined, "first");
  ASSERT_TRUE(log->flush(10s));
  const int64_t first_lease = log->leaseId();
  const std::string first_key = stored().at(0).key;

  // Within a couple of seconds a new event goes on a new lease.
  ASSERT_TRUE(eventually(
      [&] {
        log->record(store::kEventInfo, store::event_kind::kMemberJoined, "later");
        return log->flush(5s) && log->leaseId() != first_lease;
      },
      5s));
  auto record = store_->getEventLease();
  ASSERT_TRUE(record && record->has_value());
  EXPECT_EQ((*record)->id, log->leaseId());
  // Another member adopts the current one instead of granting its own.
  auto other = newLog(o);
  other->record(store::kEventInfo, store::event_kind::kMemberJoined, "other");
  ASSERT_TRUE(other->flush(10s));
  EXPECT_EQ(other->leaseId(), log->leaseId());

  // The first event goes with its lease (nobody deletes it), within retention + rotation.
  EXPECT_TRUE(eventually([&] { return client_->range(first_key)->kvs.empty(); }, 6s));
  EXPECT_EQ(client_->leaseTimeToLive(first_lease)->ttl, -1);
}

TEST_F(EventLogTest, TheTrimmingMemberKeepsOnlyTheNewestMaxEvents) {
  auto log = newLog({.member_id = "m1", .max_events = 20, .trim_interval = 50ms});
  std::vector<std::string> keys;
  for (int i = 0; i < 50; ++i) {
    log->record(store::kEventInfo, store::event_kind::kMemberJoined, std::to_string(i));
  }
  ASSERT_TRUE(log->flush(10s));
  EXPECT_EQ(store_->countEvents().value_or(-1), 50);  // not trimming: nothing deleted

  log->setTrimming(true);
  ASSERT_TRUE(eventually([&] { return store_->countEvents().value_or(-1) == 20; }));
  auto left = store_->listEvents({});
  ASSERT_TRUE(left);
  ASSERT_EQ(left->size(), 20U);
  EXPECT_EQ(left->front().event.message, "49");
  EXPECT_EQ(left->back().event.message, "30");
  // Counted after the delete returns: etcd can show 20 before the counter moves (it failed
  // so under ASan).
  EXPECT_TRUE(eventually([&] { return log->stats().trimmed == 30U; })) << log->stats().trimmed;
}

TEST_F(EventLogTest, QueuesWhileEtcdIsDownKeepsTheNewestAndWritesThemWithTheirTimesAfter) {
  // A short call deadline so the writer notices the outage and the return quickly.
  store_ = std::make_shared<store::Store>(newClient({.call_timeout = 1s}), "9volt");
  auto log = newLog({.member_id = "m1", .queue_limit = 5});
  log->record(store::kEventInfo, store::event_kind::kMemberJoined, "before");
  ASSERT_TRUE(log->flush(10s));

  ASSERT_TRUE(etcd_->stop());
  const auto lost_at = std::chrono::system_clock::now();
  for (int i = 0; i < 20; ++i) {
    // Returns at once: queued, not written.
    log->record(store::kEventError, store::event_kind::kEtcdLost, "down " + std::to_string(i));
  }
  auto stats = log->stats();
  EXPECT_EQ(stats.recorded, 21U);
  EXPECT_GE(stats.queued, 5U);
  EXPECT_FALSE(log->flush(200ms));
  ASSERT_TRUE(etcd_->restart());
  const auto back_at = std::chrono::system_clock::now();

  ASSERT_TRUE(log->flush(20s));
  auto events = store_->listEvents({.types = {"etcd-lost"}});
  ASSERT_TRUE(events) << events.error().message;
  // The 5 newest survived the bounded queue (one more may have been in flight).
  ASSERT_GE(events->size(), 5U);
  ASSERT_LE(events->size(), 6U);
  EXPECT_EQ(events->front().event.message, "down 19");
  EXPECT_EQ((*events)[4].event.message, "down 15");
  for (const auto& e : *events) {
    EXPECT_GE(e.event.time, lost_at - 1s);
    EXPECT_LT(e.event.time, back_at);  // dated when recorded, not when written
  }
  EXPECT_GE(log->stats().dropped, 14U);
}

TEST_F(EventLogTest, KeysNeverCollideEvenForTheSameMemberAtTheSameMicrosecond) {
  // The same member id twice (a restart) and a frozen clock: both processes produce the
  // same keys; every event must still be stored, none overwritten.
  const auto frozen = std::chrono::system_clock::now();
  EventLog::Options o{.member_id = "same", .now = [frozen] { return frozen; }};
  auto first = newLog(o);
  auto second = newLog(o);
  for (int i = 0; i < 3; ++i) {
    first->record(store::kEventInfo, store::event_kind::kMemberJoined,
                  "first " + std::to_string(i));
  }
  ASSERT_TRUE(first->flush(10s));
  for (int i = 0; i < 3; ++i) {
    second->record(store::kEventInfo, store::event_kind::kMemberJoined,
                   "second " + std::to_string(i));
  }
  ASSERT_TRUE(second->flush(10s));
  std::set<std::string> messages;
  std::set<std::string> keys;
  for (const auto& kv : stored()) {
    keys.insert(kv.key);
    messages.insert(nlohmann::json::parse(kv.value)["message"].get<std::string>());
  }
  EXPECT_EQ(keys.size(), 6U);
  EXPECT_EQ(messages, (std::set<std::string>{"first 0", "first 1", "first 2", "second 0",
                                             "second 1", "second 2"}));
  EXPECT_EQ(second->stats().written, 3U);
}

}  // namespace
}  // namespace ninevolt::events
