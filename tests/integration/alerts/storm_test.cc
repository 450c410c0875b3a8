// Alert storm digests in the dispatcher, against a real etcd with two members: checks failing
// together reach each alerter as the first few alerts and then digests (every change counted
// once, in its own alert or in a digest, and recorded in its incident), their recoveries
// likewise; a digest left unsent by a member that is gone is sent by another, once.
#include "integration/alerts/dispatcher_fixture.h"
#include "store/storm_store.h"

namespace ninevolt::alerts {
namespace {

using namespace std::chrono_literals;
using ninevolt::testing::eventually;
using state::CheckState;

constexpr int kChecks = 40;
constexpr int kThreshold = 3;

class StormTest : public DispatcherTest {
 protected:
  void SetUp() override {
    DispatcherTest::SetUp();
    for (int i = 0; i < kChecks; ++i) {
      setMonitor(name(i), {{"type", "http"},
                           {"host", "127.0.0.1"},
                           {"interval", "10s"},
                           {"warning-alerter", {"chat"}},
                           {"critical-alerter", {"chat", "pager"}}});
    }
  }
  static std::string name(int i) { return "s" + std::to_string(i); }
  // A member as the cluster has it: registered (live), and its dispatcher.
  Dispatcher& member(const std::string& id) {
    putJson(store_->keys().member(id), {{"id", id}});
    Dispatcher::Options o;
    o.storm_gather = 2s;
    o.storm_sweep = 300ms;
    auto& d = start(id, o);
    d.setStormLimits(kThreshold, 60s);
    return d;
  }
  // What one alerter received: single alerts of `kind`, and the digests.
  std::vector<Notification> received(const std::string& alerter) {
    std::lock_guard lock(world_->mu);
    std::vector<Notification> out;
    for (const auto& s : world_->sent) {
      if (s.alerter == alerter) {
        out.push_back(s.n);
      }
    }
    return out;
  }
  struct Tally {
    int single_critical = 0, single_resolve = 0, digests = 0;
    int64_t digested_critical = 0, digested_recovered = 0, last_still_failing = -1;
    std::set<std::string> ids;  // transition ids, each once
    bool duplicate = false;
  };
  Tally tally(const std::string& alerter) {
    Tally t;
    for (const auto& n : received(alerter)) {
      t.duplicate = t.duplicate || !t.ids.insert(n.transition_id).second;
      if (n.kind == NotificationKind::kCritical) {
        t.single_critical++;
      } else if (n.kind == NotificationKind::kResolve) {
        t.single_resolve++;
      } else if (n.kind == NotificationKind::kDigest && n.storm) {
        t.digests++;
        t.digested_critical += n.storm->critical;
        t.digested_recovered += n.storm->recovered;
        t.last_still_failing = n.storm->still_failing;
      }
    }
    return t;
  }
  std::optional<store::Incident> incident(const std::string& check) {
    auto r = store::IncidentStore(store_).load(check);
    return r ? r->incident : std::nullopt;
  }
};

TEST_F(StormTest, ChecksFailingTogetherOnTwoMembersReachEachAlerterAsAFewAlertsAndDigests) {
  Dispatcher& m1 = member("m1");
  Dispatcher& m2 = member("m2");
  for (int i = 0; i < kChecks; ++i) {
    (i % 2 == 0 ? m1 : m2).onTransition(name(i), change(CheckState::kOk, CheckState::kCritical, 1));
  }
  for (const char* alerter : {"chat", "pager"}) {
    ASSERT_TRUE(eventually(
        [&] {
          auto t = tally(alerter);
          return t.single_critical + t.digested_critical >= kChecks;
        },
        30s))
        << alerter;
  }
  // Every failure is recorded as told: on its own, or carried by storm 1.
  ASSERT_TRUE(eventually([&] {
    for (int i = 0; i < kChecks; ++i) {
      auto inc = incident(name(i));
      if (!inc || !inc->alerters.contains("chat") || !inc->alerters.at("chat").settled()) {
        return false;
      }
    }
    return true;
  }));
  int carried = 0;
  std::set<std::string> storms;
  for (int i = 0; i < kChecks; ++i) {
    const auto inc = incident(name(i));  // kept: `told` refers into it
    ASSERT_TRUE(inc) << name(i);
    const auto& told = inc->alerters.at("chat");
    EXPECT_TRUE(told.delivered) << name(i);
    EXPECT_NE(told.alone, !told.digest.empty()) << name(i);  // one or the other
    if (!told.digest.empty()) {
      carried++;
      storms.insert(told.digest);
    }
  }
  EXPECT_EQ(carried, kChecks - kThreshold);
  EXPECT_EQ(storms.size(), 1U);  // one storm

  for (int i = 0; i < kChecks; ++i) {
    (i % 2 == 0 ? m2 : m1).onTransition(name(i), change(CheckState::kCritical, CheckState::kOk, 0));
  }
  for (const char* alerter : {"chat", "pager"}) {
    ASSERT_TRUE(eventually(
        [&] {
          auto t = tally(alerter);
          return t.single_resolve + t.digested_recovered >= kChecks;
        },
        30s))
        << alerter;
  }
  ASSERT_TRUE(eventually([&] {
    for (int i = 0; i < kChecks; ++i) {
      if (incidentExists(name(i))) {
        return false;
      }
    }
    return true;
  }));
  std::this_thread::sleep_for(1s);  // anything late or doubled arrives meanwhile
  m1.sync();
  m2.sync();
  for (const char* alerter : {"chat", "pager"}) {
    auto t = tally(alerter);
    SCOPED_TRACE(alerter);
    EXPECT_FALSE(t.duplicate);
    EXPECT_EQ(t.single_critical, kThreshold);
    EXPECT_EQ(t.digested_critical, kChecks - kThreshold);
    // A resolve goes where its failure went.
    EXPECT_EQ(t.single_resolve, kThreshold);
    EXPECT_EQ(t.digested_recovered, kChecks - kThreshold);
    EXPECT_EQ(t.last_still_failing, 0);  // the last digest says the storm is over
    // 80 changes, a handful of messages: the first few on their own, digests for the rest
    // (two per burst at most when a burst straddles a gather of 2 s).
    EXPECT_LE(t.digests, 4);
    EXPECT_GE(t.digests, 2);
  }
  auto stats = m1.stats().storms.digested + m2.stats().storms.digested;
  EXPECT_EQ(stats, 4U * (kChecks - kThreshold));  // 2 alerters x (failure + recovery)
}

// A check told its warning on its own before the storm keeps being told on its own: its
// critical during the storm and its resolve (PagerDuty keys incidents by check: the resolve
// must reach it).
TEST_F(StormTest, ACheckToldOnItsOwnBeforeAStormStaysOnItsOwnThroughIt) {
  Dispatcher& m1 = member("m1");
  m1.onTransition(name(0), change(CheckState::kOk, CheckState::kWarning, 1));
  ASSERT_TRUE(eventually([&] { return world_->count("chat", NotificationKind::kWarning) == 1; }));
  for (int i = 1; i < 10; ++i) {
    m1.onTransition(name(i), change(CheckState::kOk, CheckState::kCritical, 1));
  }
  ASSERT_TRUE(eventually([&] { return tally("chat").digests >= 1; }, 20s));
  m1.onTransition(name(0), change(CheckState::kWarning, CheckState::kCritical, 2));
  m1.onTransition(name(0), change(CheckState::kCritical, CheckState::kOk, 0));
  ASSERT_TRUE(eventually([&] { return !incidentExists(name(0)); }));
  m1.sync();
  int critical = 0, resolve = 0;
  for (const auto& n : received("chat")) {
    critical += n.check == name(0) && n.kind == NotificationKind::kCritical ? 1 : 0;
    resolve += n.check == name(0) && n.kind == NotificationKind::kResolve ? 1 : 0;
  }
  EXPECT_EQ(critical, 1);
  EXPECT_EQ(resolve, 1);
}

TEST_F(StormTest, ADigestLeftUnsentByAMemberThatIsGoneIsSentOnceByAnother) {
  store::StormStore storms(store_);
  const auto now = std::chrono::system_clock::now();
  StormRecord record;
  record.last_storm = 2;
  Storm s;
  s.since = now - 30s;
  s.last = now - 20s;
  s.open = 5;
  s.worst = "critical";
  s.digests = 1;
  StormOutbox out;
  out.n = 1;
  out.batch.first = now - 30s;
  out.batch.critical = 5;
  out.batch.checks = {{"s1", "critical"}};
  out.batch.more = 4;
  out.still_failing = 5;
  out.worst = "critical";
  out.by = "gone";
  out.at = now - 10s;
  s.outbox = out;
  record.storms[2] = s;
  // And one whose sender is alive: it is still sending, not ours to take.
  Storm busy = s;
  busy.outbox->by = "alive";
  record.storms[1] = busy;
  ASSERT_TRUE(storms.save("chat", record, 0));
  ASSERT_TRUE(client_->put(store_->keys().member("alive"), "{}"));

  Dispatcher& m1 = member("m1");
  ASSERT_TRUE(eventually([&] { return world_->count("chat", NotificationKind::kDigest) == 1; }));
  ASSERT_TRUE(eventually([&] {
    auto r = storms.load("chat");
    return r && r->record && !r->record->storms.at(2).outbox;
  }));
  std::this_thread::sleep_for(1s);  // three more sweeps
  m1.sync();
  auto sent = received("chat");
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_EQ(sent[0].transition_id, "storm/chat/2/1");
  EXPECT_EQ(sent[0].member_id, "m1");
  ASSERT_TRUE(sent[0].storm);
  EXPECT_EQ(sent[0].storm->critical, 5);
  auto r = storms.load("chat");
  ASSERT_TRUE(r && r->record);
  ASSERT_TRUE(r->record->storms.at(1).outbox);
  EXPECT_EQ(r->record->storms.at(1).outbox->by, "alive");
}

// A storm record that is not one (written by hand, another version) is reported and
// started afresh: alerts still go out.
TEST_F(StormTest, AStormRecordThatIsNotOneIsReplacedAndAlertsStillGoOut) {
  ASSERT_TRUE(client_->put(store_->keys().storm("chat"), "{\"recent\": 7}"));
  Dispatcher& m1 = member("m1");
  for (int i = 0; i < 2; ++i) {
    m1.onTransition(name(i), change(CheckState::kOk, CheckState::kCritical, 1));
  }
  ASSERT_TRUE(eventually([&] { return world_->count("chat", NotificationKind::kCritical) == 2; }));
  auto r = store::StormStore(store_).load("chat");
  ASSERT_TRUE(r && r->record);
  EXPECT_GE(store_->rejections().count(), 1U);
}

}  // namespace
}  // namespace ninevolt::alerts
