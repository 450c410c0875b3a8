// GET /api/v1/stream without etcd: SSE framing, watch events -> messages, and the fan-out
// (hello, filters, resume from the ring or through a catch-up, resync, bounded buffers).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/sse.h"
#include "api/v1/stream_hub.h"

namespace ninevolt::api {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using v1::StreamFanout;
using v1::StreamKind;
using v1::StreamMessage;

// --- SSE framing ---

TEST(Sse, OneLineMessage) {
  EXPECT_EQ(sse::message("state", R"({"a":1})", 42), "id: 42\nevent: state\ndata: {\"a\":1}\n\n");
  EXPECT_EQ(sse::message("", "x"), "data: x\n\n");
}

TEST(Sse, EveryLineOfDataIsADataLine) {
  EXPECT_EQ(sse::message("e", "a\nb\r\nc\rd"), "event: e\ndata: a\ndata: b\ndata: c\ndata: d\n\n");
  // A trailing newline is kept as an empty data line (the client gets "a\n" back).
  EXPECT_EQ(sse::message("e", "a\n"), "event: e\ndata: a\ndata: \n\n");
  EXPECT_EQ(sse::message("e", ""), "event: e\ndata: \n\n");
}

TEST(Sse, NoFieldOrMessageCanBeInjected) {
  // Data that tries to end the message and start another: only data lines come out.
  std::string text = sse::message("e", "x\n\nevent: evil\nid: 999\n\ndata: y", 1);
  EXPECT_EQ(text,
            "id: 1\nevent: e\ndata: x\ndata: \ndata: event: evil\ndata: id: 999\ndata: \ndata: "
            "data: y\n\n");
  // Exactly one blank line: at the end.
  EXPECT_EQ(text.find("\n\n"), text.size() - 2);
  // Single-line fields lose CR/LF/NUL.
  EXPECT_EQ(sse::message(std::string("a\nevent: b\r\0c", 13), "d"),
            "event: aevent: bc\ndata: d\n\n");
  EXPECT_EQ(sse::comment("keep-alive\ndata: x"), ": keep-alivedata: x\n\n");
}

// --- watch events -> messages ---

etcd::WatchEvent put(const std::string& key, const std::string& value, int64_t rev,
                     int64_t create = 0) {
  etcd::WatchEvent e;
  e.type = etcd::WatchEvent::kPut;
  e.kv.key = key;
  e.kv.value = value;
  e.kv.mod_revision = rev;
  e.kv.create_revision = create == 0 ? rev : create;
  return e;
}

etcd::WatchEvent del(const std::string& key, int64_t rev) {
  etcd::WatchEvent e;
  e.type = etcd::WatchEvent::kDelete;
  e.kv.key = key;
  e.kv.mod_revision = rev;
  return e;
}

// "id: 5\nevent: state\ndata: {...}\n\n" -> {5, "state", json}
struct Parsed {
  int64_t id = 0;
  std::string event;
  nlohmann::json data;
};
Parsed parse(const std::string& text) {
  Parsed p;
  size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.starts_with("id: ")) {
      p.id = std::stoll(line.substr(4));
    } else if (line.starts_with("event: ")) {
      p.event = line.substr(7);
    } else if (line.starts_with("data: ")) {
      p.data = nlohmann::json::parse(line.substr(6));
    }
  }
  return p;
}

TEST(StreamConverter, StateEventsAndClusterChanges) {
  v1::StreamConverter conv(store::Keys("9volt"));
  std::vector<StreamMessage> out;
  conv.convert({put("/9volt/state/web", R"({"status":"critical","count":3,"owner":"m1"})", 10),
                del("/9volt/state/old", 11),
                put("/9volt/event/20260101T000000.000000Z-m1-000001",
                    R"({"type":"warning","kind":"check-orphaned","message":"m",
                        "timestamp":"2026-01-01T00:00:00.000000Z","memberid":"m1","check":"db"})",
                    12),
                put("/9volt/cluster/members/m2", "{}", 13), del("/9volt/cluster/members/m2", 14),
                put("/9volt/cluster/director", R"({"id":"m1","since":"x"})", 15),
                del("/9volt/cluster/director", 16), put("/9volt/monitor/web", "{}", 17),
                del("/9volt/alerter/ops", 18)},
               out);
  ASSERT_EQ(out.size(), 9U);
  auto m = parse(out[0].text);
  EXPECT_EQ(m.id, 10);
  EXPECT_EQ(m.event, "state");
  EXPECT_EQ(m.data["check"], "web");
  EXPECT_EQ(m.data["status"], "critical");
  EXPECT_EQ(m.data["count"], 3);
  EXPECT_EQ(out[0].kind, StreamKind::kState);
  EXPECT_EQ(out[0].revision, 10);
  m = parse(out[1].text);
  EXPECT_EQ(m.event, "state-deleted");
  EXPECT_EQ(m.data, (nlohmann::json{{"check", "old"}}));
  m = parse(out[2].text);
  EXPECT_EQ(m.event, "event");
  EXPECT_EQ(out[2].kind, StreamKind::kEvent);
  EXPECT_EQ(m.data["kind"], "check-orphaned");
  EXPECT_EQ(m.data["check"], "db");
  EXPECT_EQ(m.data["memberid"], "m1");
  auto cluster = [&](size_t i) {
    EXPECT_EQ(out[i].kind, StreamKind::kCluster);
    auto p = parse(out[i].text);
    EXPECT_EQ(p.event, "cluster");
    return p.data;
  };
  EXPECT_EQ(cluster(3), (nlohmann::json{{"change", "members"}, {"key", "m2"}, {"action", "put"}}));
  EXPECT_EQ(cluster(4)["action"], "delete");
  EXPECT_EQ(cluster(5), (nlohmann::json{{"change", "director"}, {"key", "m1"}, {"action", "put"}}));
  // The delete has no value: the director last seen is named.
  EXPECT_EQ(cluster(6),
            (nlohmann::json{{"change", "director"}, {"key", "m1"}, {"action", "delete"}}));
  EXPECT_EQ(cluster(7), (nlohmann::json{{"change", "monitor"}, {"key", "web"}, {"action", "put"}}));
  EXPECT_EQ(cluster(8),
            (nlohmann::json{{"change", "alerter"}, {"key", "ops"}, {"action", "delete"}}));
}

TEST(StreamConverter, SilencesAndMaintenanceWindowsAreClusterChanges) {
  v1::StreamConverter conv(store::Keys("9volt"));
  std::vector<StreamMessage> out;
  conv.convert(
      {put("/9volt/silence/0123456789abcdef", "{}", 10), del("/9volt/silence/0123456789abcdef", 11),
       put("/9volt/silence/../monitor/x", "{}", 12),  // no silence id: not news
       put("/9volt/maintenance/patching", "{}", 13)},
      out);
  ASSERT_EQ(out.size(), 3U);
  EXPECT_EQ(
      parse(out[0].text).data,
      (nlohmann::json{{"change", "silence"}, {"key", "0123456789abcdef"}, {"action", "put"}}));
  EXPECT_EQ(parse(out[1].text).data["action"], "delete");
  EXPECT_EQ(parse(out[2].text).data,
            (nlohmann::json{{"change", "maintenance"}, {"key", "patching"}, {"action", "put"}}));
}

TEST(StreamConverter, KeysAndValuesWrittenByHandAreLeftOutAndReported) {
  store::Rejections rejections;
  std::vector<std::string> reported;
  rejections.setHandler([&](const store::Rejection& r) { reported.push_back(r.message); });
  v1::StreamConverter conv(store::Keys("9volt"), {}, &rejections);
  std::vector<StreamMessage> out;
  // Each of these threw from dump() or reached clients with a name no request can use.
  EXPECT_NO_THROW(conv.convert(
      {put("/9volt/state/we\x01ird\xff", R"({"status":"ok"})", 10),
       put("/9volt/state/web", "not json", 11), put("/9volt/state/web", R"({"status":5})", 12),
       put("/9volt/event/x", R"({"type":"info","message":5})", 13),
       put("/9volt/monitor/we\x01ird\xff", "x", 14), put("/9volt/alerter/a/b", "{}", 15),
       put("/9volt/cluster/members/m\xff", "{}", 16),
       put("/9volt/cluster/assignments/m\xff/00", "[]", 17),
       del("/9volt/monitor/we\x01ird\xff", 18),
       // The stream goes on: a good one after them all.
       put("/9volt/monitor/web", "{}", 19)},
      out));
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(parse(out[0].text).data,
            (nlohmann::json{{"change", "monitor"}, {"key", "web"}, {"action", "put"}}));
  ASSERT_EQ(reported.size(), 7U);  // every put but the assignment (its director reports it)
  EXPECT_THAT(reported[0], HasSubstr("/9volt/state/we\\x01ird\\xff: check state not a valid name"));
  EXPECT_THAT(reported[1], HasSubstr("/9volt/state/web: check state: not JSON"));
  EXPECT_THAT(reported[2], HasSubstr("status: expected ok, warning or critical"));
  EXPECT_THAT(reported[3], HasSubstr("/9volt/event/x: event: message: expected a string"));
  EXPECT_THAT(reported[4], HasSubstr("/9volt/monitor/we\\x01ird\\xff: monitor not a valid name"));
}

TEST(StreamConverter, SkipsWhatTheStreamDoesNotShow) {
  v1::StreamConverter conv(store::Keys("/9volt/"));
  std::vector<StreamMessage> out;
  conv.convert({put("/9volt/cluster/digest/m1/0", "[...]", 5), put("/9volt/incident/web", "{}", 6),
                put("/9volt/config", "{}", 7), put("/9volt/state/bad", "not json", 8),
                put("/9volt/event/x", R"({"type":"info","message":"m"})", 9, 3),  // an update
                del("/9volt/event/y", 10), put("/9volt/state/deeper/x", "{}", 11),
                put("/other/state/x", "{}", 12)},
               out);
  EXPECT_TRUE(out.empty());
}

TEST(StreamConverter, OneAssignmentsMessagePerMemberAndRevision) {
  v1::StreamConverter conv(store::Keys("9volt"));
  std::vector<StreamMessage> out;
  conv.convert({put("/9volt/cluster/assignments/m1/0", "[]", 20),
                put("/9volt/cluster/assignments/m1/1", "[]", 20),
                put("/9volt/cluster/assignments/m2/0", "[]", 20),
                del("/9volt/cluster/assignments/m1/1", 21)},
               out);
  ASSERT_EQ(out.size(), 3U);
  EXPECT_EQ(parse(out[0].text).data["key"], "m1");
  EXPECT_EQ(parse(out[1].text).data["key"], "m2");
  EXPECT_EQ(parse(out[2].text).data,
            (nlohmann::json{{"change", "assignments"}, {"key", "m1"}, {"action", "delete"}}));
}

// --- fan-out ---

// A sink whose client reads only when told to (drain()).
class FakeSink : public StreamSink {
 public:
  bool write(std::string data) override {
    if (!open()) {
      return false;
    }
    pending_ += data;
    return true;
  }
  size_t buffered() const override { return pending_.size(); }
  void end() override { ended = true; }
  bool open() const override { return !ended && !closed; }
  void onClosed(std::function<void()> cb) override { on_closed = std::move(cb); }

  // The client reads everything queued; returns the messages (comments dropped).
  std::vector<Parsed> drain() {
    received += pending_;
    std::vector<Parsed> out;
    size_t pos = 0;
    while (true) {
      auto end = pending_.find("\n\n", pos);
      if (end == std::string::npos) {
        break;
      }
      std::string one = pending_.substr(pos, end + 2 - pos);
      pos = end + 2;
      if (!one.starts_with(":")) {
        out.push_back(parse(one));
      }
    }
    pending_.clear();
    return out;
  }
  std::vector<std::string> events() {
    std::vector<std::string> out;
    for (const auto& p : drain()) {
      out.push_back(p.event + "@" + std::to_string(p.id));
    }
    return out;
  }

  bool ended = false;
  bool closed = false;
  std::string received;
  std::function<void()> on_closed;

 private:
  std::string pending_;
};

StreamMessage msg(StreamKind kind, int64_t rev, const std::string& event, size_t pad = 0) {
  return {kind, rev,
          sse::message(event, nlohmann::json{{"pad", std::string(pad, 'x')}}.dump(), rev)};
}

v1::StreamKinds all() {
  v1::StreamKinds k{};
  k.fill(true);
  return k;
}

struct HookLog {
  std::vector<std::pair<uint64_t, int64_t>> checks;
  std::vector<int64_t> rewinds;
  StreamFanout::Hooks hooks() {
    return {.check = [this](uint64_t id, int64_t r) { checks.emplace_back(id, r); },
            .rewind = [this](int64_t r) { rewinds.push_back(r); }};
  }
};

TEST(StreamFanout, HelloWhenTheFeedStartsThenMessagesInOrder) {
  HookLog log;
  StreamFanout fan({.member_id = "m1"}, log.hooks());
  auto sink = std::make_shared<FakeSink>();
  fan.add(sink, all(), std::nullopt);
  EXPECT_TRUE(sink->drain().empty());  // nothing before the feed runs
  fan.start(100);
  auto hello = sink->drain();
  ASSERT_EQ(hello.size(), 1U);
  EXPECT_EQ(hello[0].event, "hello");
  EXPECT_EQ(hello[0].id, 100);
  EXPECT_EQ(hello[0].data, (nlohmann::json{{"member", "m1"}, {"revision", 100}}));
  fan.publish({msg(StreamKind::kState, 101, "state"), msg(StreamKind::kEvent, 101, "event"),
               msg(StreamKind::kCluster, 103, "cluster")},
              103);
  fan.publish({}, 104);  // a revision with nothing for the stream (the digest)
  EXPECT_THAT(sink->events(), ElementsAre("state@101", "event@101", "cluster@103"));
  // A later client gets hello at the feed's revision, nothing older.
  auto late = std::make_shared<FakeSink>();
  fan.add(late, all(), std::nullopt);
  EXPECT_THAT(late->events(), ElementsAre("hello@104"));
  EXPECT_TRUE(log.checks.empty());
}

TEST(StreamFanout, TypesFilter) {
  HookLog log;
  StreamFanout fan({.member_id = "m1"}, log.hooks());
  std::vector<std::string> unknown;
  auto kinds = v1::parseStreamKinds("cluster, state", unknown);
  EXPECT_TRUE(unknown.empty());
  auto sink = std::make_shared<FakeSink>();
  fan.start(1);
  fan.add(sink, kinds, std::nullopt);
  fan.publish({msg(StreamKind::kState, 2, "state"), msg(StreamKind::kEvent, 3, "event"),
               msg(StreamKind::kCluster, 4, "cluster")},
              4);
  EXPECT_THAT(sink->events(), ElementsAre("hello@1", "state@2", "cluster@4"));
  v1::parseStreamKinds("state,bogus", unknown);
  EXPECT_THAT(unknown, ElementsAre("bogus"));
}

TEST(StreamFanout, ResumeFromTheRing) {
  HookLog log;
  StreamFanout fan({.member_id = "m1"}, log.hooks());
  fan.start(10);
  fan.publish({msg(StreamKind::kState, 11, "state"), msg(StreamKind::kState, 12, "state"),
               msg(StreamKind::kState, 12, "state"), msg(StreamKind::kState, 14, "state")},
              14);
  auto sink = std::make_shared<FakeSink>();
  fan.add(sink, all(), 11);  // Last-Event-ID: 11
  EXPECT_THAT(sink->events(), ElementsAre("hello@11", "state@12", "state@12", "state@14"));
  fan.publish({msg(StreamKind::kEvent, 15, "event")}, 15);
  EXPECT_THAT(sink->events(), ElementsAre("event@15"));
  auto current = std::make_shared<FakeSink>();
  fan.add(current, all(), 15);
  EXPECT_THAT(current->events(), ElementsAre("hello@15"));
  EXPECT_TRUE(log.checks.empty());
}

TEST(StreamFanout, ResumeFromBeforeTheRingRewindsTheFeedWithoutDuplicates) {
  HookLog log;
  StreamFanout fan({.member_id = "m1"}, log.hooks());
  fan.start(50);
  auto live = std::make_shared<FakeSink>();
  fan.add(live, all(), std::nullopt);
  fan.publish({msg(StreamKind::kState, 52, "state")}, 52);
  EXPECT_THAT(live->events(), ElementsAre("hello@50", "state@52"));
  auto sink = std::make_shared<FakeSink>();
  uint64_t id = fan.add(sink, all(), 40);
  ASSERT_THAT(log.checks, ElementsAre(std::make_pair(id, int64_t{40})));
  EXPECT_TRUE(sink->drain().empty());  // hello waits for etcd's answer
  fan.checked(id, StreamFanout::Check::kAvailable);
  // The one feed goes back to 40; nobody gets a watch of its own.
  EXPECT_THAT(log.rewinds, ElementsAre(40));
  EXPECT_EQ(fan.ringFrom(), 40);
  EXPECT_THAT(sink->events(), ElementsAre("hello@40"));
  // The history again, then on: each client gets each revision once.
  fan.publish({msg(StreamKind::kState, 45, "state")}, 45);
  fan.publish({msg(StreamKind::kCluster, 49, "cluster"), msg(StreamKind::kState, 52, "state")}, 52);
  fan.publish({msg(StreamKind::kEvent, 53, "event")}, 53);
  EXPECT_THAT(sink->events(), ElementsAre("state@45", "cluster@49", "state@52", "event@53"));
  EXPECT_THAT(live->events(), ElementsAre("event@53"));
  // A client resuming in the middle of the replayed range is served from the ring.
  auto mid = std::make_shared<FakeSink>();
  fan.add(mid, all(), 45);
  EXPECT_THAT(mid->events(), ElementsAre("hello@45", "cluster@49", "state@52", "event@53"));
  EXPECT_EQ(log.checks.size(), 1U);
  EXPECT_EQ(log.rewinds.size(), 1U);
  // A new client during the replay starts at the newest revision seen, not in the past.
  auto fresh = std::make_shared<FakeSink>();
  fan.add(fresh, all(), std::nullopt);
  EXPECT_THAT(fresh->events(), ElementsAre("hello@53"));
}

TEST(StreamFanout, CompactedOrUnknownRevisionMeansResync) {
  HookLog log;
  StreamFanout fan({.member_id = "m1"}, log.hooks());
  fan.start(50);
  auto old = std::make_shared<FakeSink>();
  uint64_t a = fan.add(old, all(), 3);
  auto future = std::make_shared<FakeSink>();
  uint64_t b = fan.add(future, all(), 9000);
  fan.checked(a, StreamFanout::Check::kCompacted);
  fan.checked(b, StreamFanout::Check::kUnknownRevision);
  auto got = old->drain();
  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[0].event, "hello");
  EXPECT_EQ(got[0].data["revision"], 50);
  EXPECT_EQ(got[1].event, "resync");
  EXPECT_EQ(got[1].data["reason"], "compacted");
  EXPECT_EQ(got[1].id, 50);
  got = future->drain();
  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[1].data["reason"], "unknown-revision");
  fan.publish({msg(StreamKind::kState, 51, "state")}, 51);
  EXPECT_THAT(old->events(), ElementsAre("state@51"));
  EXPECT_TRUE(log.rewinds.empty());
}

TEST(StreamFanout, ASlowClientOverflowsAtARevisionBoundaryAndOthersGoOn) {
  HookLog log;
  StreamFanout fan({.member_id = "m1", .max_buffered = 1000}, log.hooks());
  fan.start(1);
  auto slow = std::make_shared<FakeSink>();
  auto fast = std::make_shared<FakeSink>();
  fan.add(slow, all(), std::nullopt);
  fan.add(fast, all(), std::nullopt);
  slow->drain();
  fast->drain();
  // Revision 2 fits; revision 3 (two messages) would take the slow one past 1000 bytes.
  fan.publish({msg(StreamKind::kState, 2, "state", 400)}, 2);
  fast->drain();
  fan.publish({msg(StreamKind::kState, 3, "state", 300), msg(StreamKind::kState, 3, "state", 300)},
              3);
  fast->drain();
  EXPECT_TRUE(slow->ended);
  auto got = slow->drain();
  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[0].id, 2);
  EXPECT_EQ(got[1].event, "overflow");
  EXPECT_EQ(got[1].id, 2);  // resume after 2: revision 3 comes whole
  EXPECT_THAT(got[1].data["reason"].get<std::string>(), HasSubstr("1000 bytes"));
  EXPECT_THAT(slow->received, Not(HasSubstr("id: 3\n")));
  // Nothing more is queued for it; the fast client is unaffected.
  fan.publish({msg(StreamKind::kState, 4, "state")}, 4);
  EXPECT_TRUE(slow->drain().empty());
  EXPECT_THAT(fast->events(), ElementsAre("state@4"));
  // Its reconnect with Last-Event-ID 2 gets revision 3 whole from the ring.
  auto again = std::make_shared<FakeSink>();
  fan.add(again, all(), 2);
  EXPECT_THAT(again->events(), ElementsAre("hello@2", "state@3", "state@3", "state@4"));
}

TEST(StreamFanout, ARevisionLargerThanTheCapStillReachesAnEmptyBuffer) {
  HookLog log;
  StreamFanout fan({.member_id = "m1", .max_buffered = 1000}, log.hooks());
  fan.start(1);
  auto sink = std::make_shared<FakeSink>();
  fan.add(sink, all(), std::nullopt);
  sink->drain();
  fan.publish({msg(StreamKind::kState, 2, "state", 3000)}, 2);
  EXPECT_FALSE(sink->ended);
  EXPECT_THAT(sink->events(), ElementsAre("state@2"));
  // Not on top of something still waiting, though.
  fan.publish({msg(StreamKind::kState, 3, "state", 10)}, 3);
  fan.publish({msg(StreamKind::kState, 4, "state", 3000)}, 4);
  EXPECT_TRUE(sink->ended);
  EXPECT_THAT(sink->events(), ElementsAre("state@3", "overflow@3"));
}

TEST(StreamFanout, KeepAliveAndItsOverflow) {
  HookLog log;
  StreamFanout fan({.member_id = "m1", .max_buffered = 200}, log.hooks());
  fan.start(1);
  auto sink = std::make_shared<FakeSink>();
  fan.add(sink, all(), std::nullopt);
  sink->drain();
  fan.keepAlive();
  sink->drain();
  EXPECT_THAT(sink->received, HasSubstr(": keep-alive\n\n"));
  for (int i = 0; i < 20 && !sink->ended; ++i) {
    fan.keepAlive();  // never read: the buffer fills
  }
  EXPECT_TRUE(sink->ended);
  EXPECT_EQ(sink->drain().back().event, "overflow");
}

TEST(StreamFanout, RingDropsWholeRevisionsAndResumesBeforeItAskEtcd) {
  HookLog log;
  StreamFanout fan({.member_id = "m1", .ring_messages = 3}, log.hooks());
  fan.start(1);
  fan.publish({msg(StreamKind::kState, 2, "state"), msg(StreamKind::kState, 2, "state")}, 2);
  fan.publish({msg(StreamKind::kState, 3, "state"), msg(StreamKind::kState, 3, "state")}, 3);
  EXPECT_EQ(fan.ringFrom(), 2);
  EXPECT_EQ(fan.revision(), 3);
  auto in_ring = std::make_shared<FakeSink>();
  fan.add(in_ring, all(), 2);
  EXPECT_THAT(in_ring->events(), ElementsAre("hello@2", "state@3", "state@3"));
  auto before = std::make_shared<FakeSink>();
  uint64_t id = fan.add(before, all(), 1);
  EXPECT_THAT(log.checks, ElementsAre(std::make_pair(id, int64_t{1})));
}

TEST(StreamFanout, FeedResyncTellsLiveClients) {
  HookLog log;
  StreamFanout fan({.member_id = "m1"}, log.hooks());
  fan.start(1);
  auto sink = std::make_shared<FakeSink>();
  fan.add(sink, all(), std::nullopt);
  fan.publish({msg(StreamKind::kState, 2, "state")}, 2);
  fan.resync(90);
  fan.publish({msg(StreamKind::kState, 91, "state")}, 91);
  EXPECT_THAT(sink->events(), ElementsAre("hello@1", "state@2", "resync@90", "state@91"));
  // A client resuming from before the resync is checked with etcd, not served a gap.
  auto late = std::make_shared<FakeSink>();
  uint64_t id = fan.add(late, all(), 2);
  EXPECT_THAT(log.checks, ElementsAre(std::make_pair(id, int64_t{2})));
}

}  // namespace
}  // namespace ninevolt::api
