// The cluster alert `9volt.no-director` (issue 15 §5): raised by the lowest live member once
// no director has been known for member-ttl + grace and etcd agrees, let go when one is
// known, raised by the next member if its raiser dies; the director adopts and clears it.
// Real etcd; the alarms on a loop thread as in the server; the dispatcher's entry points
// recorded.
#include "cluster/no_director.h"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cluster/cluster_alarms.h"
#include "store/incident.h"
#include "support/etcd_fixture.h"
#include "support/loop_thread.h"

namespace ninevolt::cluster {
namespace {

using namespace std::chrono_literals;
using ninevolt::testing::eventually;

const std::string kAlarm{NoDirectorAlarm::kName};

// What one member's alarms told its dispatcher, in order: "adopt", "critical: <message>",
// "ok: <message>", "release".
class Told {
 public:
  AlarmHooks hooks() {
    return AlarmHooks{
        .transition =
            [this](const std::string& name, const state::Transition& t) {
              add(name, std::string(t.to == state::CheckState::kOk ? "ok: " : "critical: ")
                            + t.result.message);
            },
        .adopt =
            [this](std::vector<std::string> names, std::map<std::string, state::Seed>) {
              for (const auto& n : names) {
                add(n, "adopt");
              }
            },
        .release = [this](const std::string& name) { add(name, "release"); }};
  }
  std::vector<std::string> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  std::optional<std::chrono::steady_clock::time_point> firstAt() const {
    std::lock_guard lock(mu_);
    return first_;
  }

 private:
  void add(const std::string& name, std::string what) {
    EXPECT_EQ(name, kAlarm);
    std::lock_guard lock(mu_);
    calls_.push_back(std::move(what));
    if (!first_) {
      first_ = std::chrono::steady_clock::now();
    }
  }
  mutable std::mutex mu_;
  std::vector<std::string> calls_;
  std::optional<std::chrono::steady_clock::time_point> first_;
};

class NoDirectorTest : public ninevolt::testing::EtcdTest {
 protected:
  static constexpr auto kTtl = 300ms;
  static constexpr auto kGrace = 200ms;

  void SetUp() override {
    EtcdTest::SetUp();
    store_ = std::make_shared<store::Store>(client_, "9volt");
  }
  void TearDown() override {
    loop_.onLoop([this] {
      alarms_.clear();
      cluster_alarms_.reset();
    });
    loop_.join();
    EtcdTest::TearDown();
  }

  int64_t registerMember(const std::string& id) {
    auto lease = client_->grantLease(60s);
    EXPECT_TRUE(lease);
    EXPECT_TRUE(store_->putMember(store::MemberInfo{.id = id}, *lease));
    return *lease;
  }

  NoDirectorAlarm& alarm(const std::string& id, Told& told, bool enabled = true) {
    NoDirectorAlarm* out = nullptr;
    loop_.onLoop([&] {
      alarms_[id] =
          std::make_unique<NoDirectorAlarm>(loop_.io(), store_,
                                            NoDirectorAlarm::Options{.member_id = id,
                                                                     .member_ttl = kTtl,
                                                                     .grace = kGrace,
                                                                     .recheck = 50ms,
                                                                     .alerts = told.hooks()});
      alarms_[id]->setEnabled(enabled);
      out = alarms_[id].get();
    });
    return *out;
  }

  // An open no-director incident raised by member bbbb0002, as its dispatcher writes it; its
  // critical to "ops" sent and recorded, or still on its way.
  void putRaisedIncident(bool settled = true) {
    store::Incident incident;
    if (!settled) {
      incident.alerters["ops"] = store::Told{.kind = store::NotificationKind::kCritical,
                                             .transition_id = "9volt.no-director/1-bbbb0002/1"};
    }
    incident.check = kAlarm;
    incident.id = "1-bbbb0002";
    incident.seq = 1;
    incident.status = state::CheckState::kCritical;
    incident.owner = "bbbb0002";
    ASSERT_TRUE(client_->put(store_->keys().incident(kAlarm), incident.toJson().dump()));
  }

  // Member aaaa0001's ClusterAlarms, the director, sweeping every 50 ms.
  void becomeDirector(Told& told) {
    loop_.onLoop([&] {
      cluster_alarms_ = std::make_unique<ClusterAlarms>(
          loop_.io(), store_,
          ClusterAlarms::Options{.member_id = "aaaa0001", .sweep = 50ms, .alerts = told.hooks()});
      cluster_alarms_->directorChanged(true);
    });
  }

  std::shared_ptr<store::Store> store_;
  ninevolt::testing::LoopThread loop_;
  std::map<std::string, std::unique_ptr<NoDirectorAlarm>> alarms_;
  std::unique_ptr<ClusterAlarms> cluster_alarms_;
};

TEST_F(NoDirectorTest, TheLowestLiveMemberRaisesItOnceAndLetsItGoWhenADirectorIsKnown) {
  registerMember("aaaa0001");
  registerMember("bbbb0002");
  Told a, b;
  const auto started = std::chrono::steady_clock::now();
  auto& alarm_a = alarm("aaaa0001", a);
  alarm("bbbb0002", b);
  ASSERT_TRUE(eventually([&] { return a.calls().size() >= 2; }, 10s));
  // Not before member-ttl + grace (a bound that does not depend on how busy the machine is).
  EXPECT_GE(*a.firstAt() - started, kTtl + kGrace);
  auto calls = a.calls();
  EXPECT_EQ(calls[0], "adopt");  // what an earlier raiser left unsettled goes out again
  EXPECT_NE(calls[1].find("critical: no director for"), std::string::npos) << calls[1];
  EXPECT_NE(calls[1].find("the director key is absent"), std::string::npos) << calls[1];
  std::this_thread::sleep_for(10 * 50ms);  // ten rechecks: a window for a second raise to show
  EXPECT_EQ(a.calls().size(), 2u);
  EXPECT_TRUE(b.calls().empty());

  // A director (another member) is known: the raiser lets it go; the director clears it.
  loop_.onLoop([&] { alarm_a.directorKnown(true, false); });
  calls = a.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[2], "release");
  bool raised = true;
  loop_.onLoop([&] { raised = alarm_a.raised(); });
  EXPECT_FALSE(raised);
}

TEST_F(NoDirectorTest, NothingIsRaisedWhileEtcdNamesALiveDirectorOrTheGapIsShort) {
  const int64_t lease = registerMember("aaaa0001");
  ASSERT_TRUE(client_->put(store_->keys().director(), R"({"id":"aaaa0001"})", {.lease = lease}));
  Told a;
  auto& alarm_a = alarm("aaaa0001", a);
  // This member's view lags (it was never told of the director): etcd says there is one.
  std::this_thread::sleep_for(kTtl + kGrace + 10 * 50ms);
  EXPECT_TRUE(a.calls().empty());

  // A short gap (a director known again before the threshold) is no alert either.
  loop_.onLoop([&] { alarm_a.directorKnown(true, true); });
  ASSERT_TRUE(client_->del(store_->keys().director()));
  loop_.onLoop([&] { alarm_a.directorKnown(false, false); });
  std::this_thread::sleep_for(kTtl / 2);
  loop_.onLoop([&] { alarm_a.directorKnown(true, false); });
  std::this_thread::sleep_for(kTtl + kGrace + 10 * 50ms);
  EXPECT_TRUE(a.calls().empty());

  // A key naming a member that is not registered is no director.
  ASSERT_TRUE(client_->put(store_->keys().director(), R"({"id":"ffff0009"})", {.lease = lease}));
  loop_.onLoop([&] { alarm_a.directorKnown(false, false); });
  ASSERT_TRUE(eventually([&] { return a.calls().size() >= 2; }, 10s));
  EXPECT_NE(a.calls()[1].find("names a member that is not registered"), std::string::npos)
      << a.calls()[1];
}

TEST_F(NoDirectorTest, WhenTheRaiserDiesTheNextLowestRaisesIt) {
  const int64_t lease_a = registerMember("aaaa0001");
  registerMember("bbbb0002");
  Told a, b;
  alarm("aaaa0001", a);
  alarm("bbbb0002", b);
  ASSERT_TRUE(eventually([&] { return a.calls().size() >= 2; }, 10s));
  EXPECT_TRUE(b.calls().empty());
  loop_.onLoop([&] { alarms_.erase("aaaa0001"); });  // killed: its record goes with its lease
  ASSERT_TRUE(client_->revokeLease(lease_a));
  ASSERT_TRUE(eventually([&] { return b.calls().size() >= 2; }, 10s));
  EXPECT_EQ(b.calls()[0], "adopt");  // first: what member a left unsettled goes out (once)
  EXPECT_NE(b.calls()[1].find("critical: no director"), std::string::npos);
}

TEST_F(NoDirectorTest, WithoutAClusterAlerterTheGapIsOnlyLoggedUntilOneIsSet) {
  registerMember("aaaa0001");
  Told a;
  auto& alarm_a = alarm("aaaa0001", a, /*enabled=*/false);
  std::this_thread::sleep_for(kTtl + kGrace + 10 * 50ms);
  EXPECT_TRUE(a.calls().empty());
  loop_.onLoop([&] { alarm_a.setEnabled(true); });
  ASSERT_TRUE(eventually([&] { return a.calls().size() >= 2; }, 10s));
}

// The director's side: a no-director incident raised by another member is adopted and
// cleared, once (looked at again only when it changes).
TEST_F(NoDirectorTest, TheDirectorAdoptsAndClearsAnIncidentRaisedWithoutIt) {
  ASSERT_NO_FATAL_FAILURE(putRaisedIncident());
  Told d;
  becomeDirector(d);
  ASSERT_TRUE(eventually([&] { return d.calls().size() >= 2; }, 10s));
  std::this_thread::sleep_for(10 * 50ms);  // ten sweeps: the same incident is not taken twice
  const auto calls = d.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0], "adopt");
  EXPECT_EQ(calls[1], "ok: member aaaa0001 is the director");
}

// What etcd holds there may be anything: not an incident is left alone (logged once), and
// taken once it is one.
TEST_F(NoDirectorTest, TheDirectorLeavesAGarbageIncidentAlone) {
  ASSERT_TRUE(client_->put(store_->keys().incident(kAlarm), std::string("\xff{garbage", 9)));
  Told d;
  becomeDirector(d);
  std::this_thread::sleep_for(10 * 50ms);  // ten sweeps
  EXPECT_TRUE(d.calls().empty());
  ASSERT_NO_FATAL_FAILURE(putRaisedIncident());
  ASSERT_TRUE(eventually([&] { return d.calls().size() >= 2; }, 10s));
}

// The raiser's critical not yet settled (it may be sending it right now): the director
// adopts the incident at once but clears it only once that critical is recorded, so the
// resolve never overtakes the trigger at a receiver.
TEST_F(NoDirectorTest, TheDirectorClearsOnlyOnceTheRaisersCriticalIsSettled) {
  ASSERT_NO_FATAL_FAILURE(putRaisedIncident(/*settled=*/false));
  Told d;
  becomeDirector(d);
  ASSERT_TRUE(eventually([&] { return !d.calls().empty(); }, 10s));
  std::this_thread::sleep_for(10 * 50ms);  // ten sweeps
  ASSERT_EQ(d.calls(), std::vector<std::string>{"adopt"});
  ASSERT_NO_FATAL_FAILURE(putRaisedIncident(/*settled=*/true));  // delivered, recorded
  ASSERT_TRUE(eventually([&] { return d.calls().size() >= 3; }, 10s));
  EXPECT_EQ(d.calls()[1], "adopt");  // the incident changed: adopted as it is now
  EXPECT_EQ(d.calls()[2], "ok: member aaaa0001 is the director");
}

// A member with a lower id arriving in the gap raises it too: the one that held it lets it
// go (one owner at a time). A raiser whose lease was lost (its dispatcher let go of
// everything) raises it again.
TEST_F(NoDirectorTest, TheRaiserLetsGoForALowerIdAndRaisesAgainAfterALeaseLoss) {
  registerMember("bbbb0002");
  Told b;
  auto& alarm_b = alarm("bbbb0002", b);
  ASSERT_TRUE(eventually([&] { return b.calls().size() >= 2; }, 10s));
  loop_.onLoop([&] { alarm_b.leaseLost(); });
  ASSERT_TRUE(eventually([&] { return b.calls().size() >= 4; }, 10s));
  EXPECT_EQ(b.calls()[2], "adopt");
  EXPECT_NE(b.calls()[3].find("critical: no director"), std::string::npos);

  registerMember("aaaa0001");
  ASSERT_TRUE(eventually([&] { return b.calls().size() >= 5; }, 10s));
  EXPECT_EQ(b.calls()[4], "release");
  bool raised = true;
  loop_.onLoop([&] { raised = alarm_b.raised(); });
  EXPECT_FALSE(raised);
}

}  // namespace
}  // namespace ninevolt::cluster
