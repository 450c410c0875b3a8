// The dispatcher with a real etcd: incidents written before sending, retries, give-ups,
// unknown alerters, ordering, and a second member adopting what the first left unsettled.
#include "integration/alerts/dispatcher_fixture.h"

namespace ninevolt::alerts {
namespace {

using namespace std::chrono_literals;
using ninevolt::testing::eventually;
using state::CheckState;

TEST_F(DispatcherTest, TriggerThenResolveOncePerAlerterRecordedBeforeSending) {
  auto& d = start("m1");
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 3));
  ASSERT_TRUE(eventually([&] {
    return world_->count("chat", NotificationKind::kCritical) == 1
           && world_->count("pager", NotificationKind::kCritical) == 1;
  }));
  d.onTransition("web", change(CheckState::kCritical, CheckState::kOk, 0));
  ASSERT_TRUE(eventually([&] {
    return world_->count("chat", NotificationKind::kResolve) == 1
           && world_->count("pager", NotificationKind::kResolve) == 1;
  }));
  ASSERT_TRUE(eventually([&] { return !incidentExists("web"); }));  // finished: deleted
  d.sync();
  std::lock_guard lock(world_->mu);
  ASSERT_EQ(world_->sent.size(), 4U);
  for (const auto& s : world_->sent) {
    EXPECT_TRUE(s.recorded_before) << s.alerter << " " << s.n.transition_id;
    EXPECT_EQ(s.n.member_id, "m1");
    EXPECT_EQ(s.n.check_type, "http");
  }
  EXPECT_EQ(world_->sent[0].n.title, "HTTP check 'web' failure");
  EXPECT_EQ(world_->sent[0].n.error, "connection refused");
  EXPECT_EQ(d.stats().by_type["webhook"].sent, 4U);
}

TEST_F(DispatcherTest, AlertsGoWhereTheSpecTheMemberRunsSaysNotWhatEtcdHoldsNow) {
  // etcd says pager only; the spec this member runs (parsed once, handed over by the
  // manager) says chat only: the dispatcher reads no monitor from etcd.
  putJson(store_->keys().monitor("web"),
          {{"type", "http"}, {"host", "127.0.0.1"}, {"critical-alerter", {"pager"}}});
  setMonitor("web", {{"type", "http"},
                     {"host", "127.0.0.1"},
                     {"interval", "10s"},
                     {"description", "front page"},
                     {"critical-alerter", {"chat"}}});
  auto& d = start("m1");
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 1));
  ASSERT_TRUE(eventually([&] { return world_->count("chat", NotificationKind::kCritical) == 1; }));
  d.sync();
  EXPECT_EQ(world_->count("pager", NotificationKind::kCritical), 0);
  std::lock_guard lock(world_->mu);
  ASSERT_EQ(world_->sent.size(), 1U);
  EXPECT_EQ(world_->sent[0].n.description, "front page");
  EXPECT_EQ(world_->sent[0].n.target, "GET http://127.0.0.1:80/");
}

TEST_F(DispatcherTest, ACheckNoLongerOwnedSendsNothingNewButItsResolveStillGoesOut) {
  auto& d = start("m1");
  d.onTransition("web", change(CheckState::kOk, CheckState::kWarning, 2));
  ASSERT_TRUE(eventually([&] { return world_->count("chat", NotificationKind::kWarning) == 1; }));
  {
    std::lock_guard lock(monitors_mu_);
    monitors_.erase("web");  // deleted: the manager holds no spec for it any more
  }
  d.onTransition("web", change(CheckState::kWarning, CheckState::kCritical, 3));
  d.onTransition("web", change(CheckState::kCritical, CheckState::kOk, 0));
  ASSERT_TRUE(eventually([&] { return world_->count("chat", NotificationKind::kResolve) == 1; }));
  d.sync();
  EXPECT_EQ(world_->count("pager", NotificationKind::kCritical), 0);
  EXPECT_EQ(world_->count("chat", NotificationKind::kCritical), 0);
}

TEST_F(DispatcherTest, FailuresAreRetriedAndDeliveredOnce) {
  world_->script["pager"] = {Errc::kUnavailable, Errc::kDeadlineExceeded};
  auto& d = start("m1");
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 1));
  ASSERT_TRUE(eventually([&] { return world_->count("pager", NotificationKind::kCritical) == 1; }));
  d.sync();
  std::lock_guard lock(world_->mu);
  EXPECT_EQ(world_->attempts["pager"], 3);
  EXPECT_EQ(world_->attempts["chat"], 1);
  EXPECT_EQ(d.stats().by_type["webhook"].retried, 2U);
}

TEST_F(DispatcherTest, ANonRetryableFailureIsGivenUpWithAnErrorEvent) {
  world_->script["pager"] = {Errc::kInvalidArgument};
  auto& d = start("m1");
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 1));
  ASSERT_TRUE(eventually([&] {
    auto r = client_->range(store_->keys().incident("web"));
    if (!r || r->kvs.empty()) {
      return false;
    }
    auto j = nlohmann::json::parse(r->kvs[0].value);
    return j["alerters"]["pager"]["failed"] == true && j["alerters"]["chat"]["delivered"] == true;
  }));
  EXPECT_THAT(events(), ::testing::Contains(::testing::HasSubstr("given up after 1 attempt")));
  EXPECT_EQ(world_->count("chat", NotificationKind::kCritical), 1U);
}

TEST_F(DispatcherTest, GivesUpAfterRetryFor) {
  world_->script["pager"] = std::vector<Errc>(1000, Errc::kUnavailable);
  auto& d = start("m1", {.retry_for = 300ms});
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 1));
  ASSERT_TRUE(eventually([&] {
    auto evs = events();
    return std::any_of(evs.begin(), evs.end(), [](const std::string& e) {
      return e.find("given up") != std::string::npos;
    });
  }));
  std::lock_guard lock(world_->mu);
  EXPECT_GE(world_->attempts["pager"], 2);
  EXPECT_LT(world_->attempts["pager"], 30);
}

TEST_F(DispatcherTest, UnknownAlerterIsAnErrorEventOnceAndTheOthersStillGetIt) {
  setMonitor("web", {{"type", "http"},
                     {"host", "127.0.0.1"},
                     {"interval", "10s"},
                     {"critical-alerter", {"nosuch", "pager"}}});
  auto& d = start("m1");
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 1));
  ASSERT_TRUE(eventually([&] { return world_->count("pager", NotificationKind::kCritical) == 1; }));
  d.onTransition("web", change(CheckState::kCritical, CheckState::kOk, 0));
  ASSERT_TRUE(eventually([&] { return world_->count("pager", NotificationKind::kResolve) == 1; }));
  d.sync();
  auto evs = events();
  EXPECT_EQ(std::count_if(evs.begin(), evs.end(),
                          [](const std::string& e) {
                            return e.find("'nosuch', which does not exist") != std::string::npos;
                          }),
            1);
}

TEST_F(DispatcherTest, DeliveriesRefusedByAFullQueueAreSentOnceItDrains) {
  // Room for one delivery: web's critical to chat is queued, pager's is held back (and web2's
  // two as well); each goes out once as the queue drains, on the member that keeps running.
  setMonitor("web2", {{"type", "http"},
                      {"host", "127.0.0.1"},
                      {"interval", "10s"},
                      {"critical-alerter", {"chat", "pager"}}});
  world_->delay["chat"] = 100ms;
  auto& d = start("m1", {.max_queued = 1});
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 1));
  d.onTransition("web2", change(CheckState::kOk, CheckState::kCritical, 1));
  ASSERT_TRUE(eventually([&] {
    return world_->count("chat", NotificationKind::kCritical) == 2
           && world_->count("pager", NotificationKind::kCritical) == 2;
  }));
  d.sync();
  EXPECT_GE(d.stats().dropped, 2U);
  EXPECT_THAT(events(), ::testing::Contains(::testing::HasSubstr("alert queue full")));
  std::lock_guard lock(world_->mu);
  std::set<std::pair<std::string, std::string>> seen;  // alerter, transition id
  for (const auto& s : world_->sent) {
    EXPECT_TRUE(seen.insert({s.alerter, s.n.transition_id}).second)
        << "sent twice: " << s.alerter << " " << s.n.transition_id;
  }
  EXPECT_EQ(world_->sent.size(), 4U);
}

TEST_F(DispatcherTest, AlertersAddedOrDeletedInEtcdReachTheRunningDispatcher) {
  auto& d = start("m1");
  // After start, in this order: chat deleted, a new alerter 'late' written, the monitor now
  // naming both. The cache follows a watch in revision order, so once 'late' is known the
  // delete of chat is applied too.
  ASSERT_TRUE(client_->del(store_->keys().alerter("chat")));
  putJson(store_->keys().alerter("late"),
          {{"type", "webhook"}, {"options", {{"url", "http://127.0.0.1:1/"}}}});
  setMonitor("web", {{"type", "http"},
                     {"host", "127.0.0.1"},
                     {"interval", "10s"},
                     {"critical-alerter", {"late", "chat"}}});
  // Transitions until the watch has delivered 'late' (earlier ones may find it unknown).
  ASSERT_TRUE(eventually(
      [&] {
        d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 1));
        d.onTransition("web", change(CheckState::kCritical, CheckState::kOk, 0));
        d.sync();
        return world_->count("late", NotificationKind::kCritical) >= 1;
      },
      10s));
  ASSERT_TRUE(eventually([&] {  // what the loop above queued has gone out
    d.sync();
    return d.stats().queued == 0;
  }));
  const size_t chat_before = world_->count("chat", NotificationKind::kCritical);
  const size_t late_before = world_->count("late", NotificationKind::kResolve);
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 1));
  d.onTransition("web", change(CheckState::kCritical, CheckState::kOk, 0));
  ASSERT_TRUE(eventually(
      [&] { return world_->count("late", NotificationKind::kResolve) >= late_before + 1; }));
  d.sync();
  EXPECT_EQ(world_->count("chat", NotificationKind::kCritical), chat_before);
  auto evs = events();
  EXPECT_TRUE(std::any_of(evs.begin(), evs.end(), [](const std::string& e) {
    return e.find("'chat', which does not exist") != std::string::npos;
  }));
}

TEST_F(DispatcherTest, AResolveNeverOvertakesItsTrigger) {
  world_->delay["pager"] = 200ms;
  world_->script["pager"] = {Errc::kUnavailable};
  auto& d = start("m1");
  d.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 1));
  d.onTransition("web", change(CheckState::kCritical, CheckState::kOk, 0));
  ASSERT_TRUE(eventually([&] { return world_->count("pager", NotificationKind::kResolve) == 1; }));
  std::lock_guard lock(world_->mu);
  std::vector<NotificationKind> pager;
  for (const auto& s : world_->sent) {
    if (s.alerter == "pager") {
      pager.push_back(s.n.kind);
    }
  }
  EXPECT_THAT(pager,
              ::testing::ElementsAre(NotificationKind::kCritical, NotificationKind::kResolve));
}

TEST_F(DispatcherTest, ANewOwnerSendsWhatTheOldOneLeftUnsettledAndResolvesIt) {
  // m1 alerts; pager is down, so its critical stays unsettled when m1 goes away.
  world_->script["pager"] = std::vector<Errc>(1000, Errc::kUnavailable);
  auto& m1 = start("m1");
  m1.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 3));
  ASSERT_TRUE(eventually([&] { return world_->count("chat", NotificationKind::kCritical) == 1; }));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(world_->mu);
    return world_->attempts["pager"] >= 1;
  }));
  m1.stop();
  std::string tid;
  {
    std::lock_guard lock(world_->mu);
    world_->script["pager"].clear();  // pager is back
    tid = world_->sent[0].n.transition_id;
  }
  // m2 adopts the check: it sends pager's critical (same transition id), not chat's again.
  auto& m2 = start("m2");
  m2.adopt({"web"});
  ASSERT_TRUE(eventually([&] { return world_->count("pager", NotificationKind::kCritical) == 1; }));
  // The check fails on at m2 (its seed was stale: it enters CRITICAL again): nothing new.
  m2.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 3));
  m2.onTransition("web", change(CheckState::kCritical, CheckState::kOk, 0));
  ASSERT_TRUE(eventually([&] {
    return world_->count("chat", NotificationKind::kResolve) == 1
           && world_->count("pager", NotificationKind::kResolve) == 1;
  }));
  ASSERT_TRUE(eventually([&] { return !incidentExists("web"); }));
  m2.sync();
  std::lock_guard lock(world_->mu);
  EXPECT_EQ(world_->sent.size(), 4U);  // chat crit, pager crit, chat resolve, pager resolve
  for (const auto& s : world_->sent) {
    if (s.n.kind == NotificationKind::kCritical) {
      EXPECT_EQ(s.n.transition_id, tid);
    } else {
      EXPECT_EQ(s.n.member_id, "m2");
    }
  }
}

// Chaos defect 3: a member cut from etcd saw a warning it could not write; after its lease
// was lost and the check had moved, it wrote that stale warning into the new owner's
// incident and alerted it. A change seen before the lease loss is abandoned instead.
TEST_F(DispatcherTest, AChangeSeenBeforeALeaseLossIsNeverWrittenIntoTheNextOwnersIncident) {
  auto& m1 = start("m1", {}, impatientStore());
  freeze();
  m1.onTransition("web", change(CheckState::kOk, CheckState::kWarning, 2));
  m1.sync();  // its first write failed: it waits to retry
  m1.leaseLost();
  thaw();
  auto& m2 = start("m2");  // the next owner judges the check itself: critical
  m2.adopt({"web"});
  m2.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 3));
  ASSERT_TRUE(eventually([&] { return m1.stats().abandoned == 1; }));
  ASSERT_TRUE(eventually([&] { return world_->count("pager", NotificationKind::kCritical) == 1; }));
  m1.sync();
  m2.sync();
  EXPECT_EQ(world_->count("chat", NotificationKind::kWarning), 0U);
  EXPECT_EQ(world_->count("chat", NotificationKind::kCritical), 1U);
  auto r = client_->range(store_->keys().incident("web"));
  ASSERT_TRUE(r && r->kvs.size() == 1);
  auto inc = Incident::fromJson(nlohmann::json::parse(r->kvs[0].value));
  ASSERT_TRUE(inc);
  EXPECT_EQ(inc->owner, "m2");
  EXPECT_EQ(inc->status, CheckState::kCritical);
}

// Chaos defect 4a: a cut member went on retrying a delivery after it knew its lease was
// lost, while the next owner sent the same transition. After a lease loss nothing is
// retried, and an attempt in flight is not retried when it fails.
TEST_F(DispatcherTest, AfterALeaseLossNothingIsRetried) {
  world_->script["pager"] = std::vector<Errc>(1000, Errc::kUnavailable);
  world_->delay["pager"] = 50ms;
  auto& m1 = start("m1");
  m1.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 3));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(world_->mu);
    return world_->attempts["pager"] >= 3;
  }));
  m1.leaseLost();
  // Backing off or in flight, the job is gone once its attempt (if any) returns.
  ASSERT_TRUE(eventually([&] { return m1.stats().queued == 0; }));
  int attempts_then = 0;
  {
    std::lock_guard lock(world_->mu);
    world_->script["pager"].clear();  // pager is back
    attempts_then = world_->attempts["pager"];
  }
  auto& m2 = start("m2");
  m2.adopt({"web"});
  ASSERT_TRUE(eventually([&] { return world_->count("pager", NotificationKind::kCritical) == 1; }));
  m1.sync();
  m2.sync();
  std::lock_guard lock(world_->mu);
  EXPECT_EQ(world_->attempts["pager"], attempts_then + 1);  // m2's, once
  EXPECT_EQ(world_->sent.back().n.member_id, "m2");
}

// Chaos defect 4b: etcd froze after a receiver accepted a message and before its record was
// written; the member lost its lease, registered again, adopted its own check and sent the
// message a second time. A delivery whose record is still being retried is not re-sent.
TEST_F(DispatcherTest, ADeliveryWhoseRecordWaitsForEtcdIsNotSentAgainToItsOwnMember) {
  world_->delay["chat"] = 300ms;
  world_->delay["pager"] = 300ms;
  auto& m1 = start("m1", {}, impatientStore());
  m1.onTransition("web", change(CheckState::kOk, CheckState::kCritical, 3));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(world_->mu);
    return world_->attempts["chat"] == 1 && world_->attempts["pager"] == 1;
  }));
  world_->check_recorded = false;
  freeze();  // both attempts are in flight: their records cannot be written
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(world_->mu);
    return world_->sent.size() == 2;
  }));
  m1.sync();  // the records failed and wait for a retry
  thaw();
  m1.leaseLost();
  m1.adopt({"web"});  // registered again: the check comes back with its incident
  ASSERT_TRUE(eventually([&] {
    auto r = client_->range(store_->keys().incident("web"));
    if (!r || r->kvs.size() != 1) {
      return false;
    }
    auto inc = Incident::fromJson(nlohmann::json::parse(r->kvs[0].value));
    return inc && inc->alerters.at("chat").delivered && inc->alerters.at("pager").delivered;
  }));
  m1.sync();
  std::lock_guard lock(world_->mu);
  EXPECT_EQ(world_->sent.size(), 2U);
}

// Chaos run 2 after the fix above: a member saw warning -> critical during an etcd stall,
// abandoned it with its lease, got the check back and started it from its state key
// (critical, written by the state publisher): nobody ever sent the critical. Whoever adopts a
// check that starts worse than its incident has alerted sends that change.
TEST_F(DispatcherTest, ACheckArrivingWorseThanItsIncidentAlertsTheChangeOnce) {
  auto& m1 = start("m1", {}, impatientStore());
  m1.onTransition("web", change(CheckState::kOk, CheckState::kWarning, 2));
  ASSERT_TRUE(eventually([&] { return world_->count("chat", NotificationKind::kWarning) == 1; }));
  freeze();
  m1.onTransition("web", change(CheckState::kWarning, CheckState::kCritical, 3));
  m1.sync();  // its first write failed: it waits to retry
  m1.leaseLost();
  thaw();
  ASSERT_TRUE(eventually([&] { return m1.stats().abandoned == 1; }));
  // Back on a new lease, the manager starts it from its state key: critical.
  m1.adopt({"web"}, {{"web", state::Seed{CheckState::kCritical, 3}}});
  ASSERT_TRUE(eventually([&] {
    return world_->count("chat", NotificationKind::kCritical) == 1
           && world_->count("pager", NotificationKind::kCritical) == 1;
  }));
  // Adopted again (it moved away and back) in the same state: the incident says critical.
  m1.adopt({"web"}, {{"web", state::Seed{CheckState::kCritical, 5}}});
  m1.sync();
  m1.sync();
  EXPECT_EQ(world_->count("chat", NotificationKind::kCritical), 1U);
  EXPECT_EQ(world_->count("pager", NotificationKind::kCritical), 1U);
  EXPECT_EQ(world_->count("chat", NotificationKind::kWarning), 1U);
  // Its recovery resolves what was alerted.
  m1.onTransition("web", change(CheckState::kCritical, CheckState::kOk, 0));
  ASSERT_TRUE(eventually([&] {
    return world_->count("chat", NotificationKind::kResolve) == 1
           && world_->count("pager", NotificationKind::kResolve) == 1;
  }));
}

// A check arriving failing with no incident at all (its owner died between its state write
// and its incident write) is alerted too; one arriving OK is not.
TEST_F(DispatcherTest, ACheckArrivingFailingWithoutAnIncidentIsAlerted) {
  auto& m2 = start("m2");
  m2.adopt({"web"}, {{"web", state::Seed{CheckState::kWarning, 2}}});
  ASSERT_TRUE(eventually([&] { return world_->count("chat", NotificationKind::kWarning) == 1; }));
  m2.adopt({"other"}, {{"other", state::Seed{CheckState::kOk, 0}}});
  m2.sync();
  m2.sync();
  std::lock_guard lock(world_->mu);
  EXPECT_EQ(world_->sent.size(), 1U);
}

}  // namespace
}  // namespace ninevolt::alerts
