// The election never gets stuck (issue 11): a member whose director key is its own is the
// director; a fenced-out director campaigns again; a campaign retry left from a lost lease
// does not fence out the director elected on the next lease; a key that is no director's
// (garbage, or on no lease) is taken over after `takeover_after` and reported.
// Real etcd; directors on a loop thread of their own as in the server.
#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cluster/director.h"
#include "support/etcd_fixture.h"
#include "support/loop_thread.h"

namespace ninevolt::cluster {
namespace {

using namespace std::chrono_literals;
using ninevolt::testing::eventually;

class DirectorElectionTest : public ninevolt::testing::EtcdTest {
 protected:
  void SetUp() override {
    EtcdTest::SetUp();
    store_ = std::make_shared<store::Store>(client_, "9volt");
    key_ = store_->keys().director();
  }

  void TearDown() override {
    onLoop([this] {
      for (auto& [id, d] : directors_) {
        d->stop();
      }
      directors_.clear();
    });
    loop_.join();
    EtcdTest::TearDown();
  }

  void onLoop(const std::function<void()>& fn) { loop_.onLoop(fn); }

  // A lease (long: these tests lose leases on purpose, never by time) with member `id`'s
  // record on it.
  int64_t registerMember(const std::string& id) {
    auto lease = client_->grantLease(60s);
    EXPECT_TRUE(lease);
    store::MemberInfo m{.id = id};
    EXPECT_TRUE(store_->putMember(m, *lease));
    return *lease;
  }

  Director& newDirector(const std::string& id, Director::Options options = {}) {
    options.member_id = id;
    options.debounce = 10ms;
    options.on_event = [this, id](store::Event e) {
      e.member_id = id;
      std::lock_guard lock(mu_);
      events_.push_back(std::move(e));
    };
    Director* d = nullptr;
    onLoop([&] {
      directors_[id] = std::make_unique<Director>(loop_.io(), store_, options);
      d = directors_[id].get();
    });
    return *d;
  }

  void start(Director& d, int64_t lease) {
    onLoop([&] { d.start(lease); });
  }

  bool isDirector(Director& d) {
    bool yes = false;
    onLoop([&] { yes = d.isDirector(); });
    return yes;
  }

  std::vector<std::string> directorsNow() {
    std::vector<std::string> out;
    onLoop([&] {
      for (const auto& [id, d] : directors_) {
        if (d->isDirector()) {
          out.push_back(id);
        }
      }
    });
    return out;
  }

  std::optional<etcd::KeyValue> directorKey() {
    auto r = client_->range(key_);
    EXPECT_TRUE(r);
    if (!r || r->kvs.empty()) {
      return std::nullopt;
    }
    return r->kvs[0];
  }

  std::set<std::string> assigned() {
    std::set<std::string> out;
    auto r = client_->range(store_->keys().allAssignmentsPrefix(), {.prefix = true});
    EXPECT_TRUE(r);
    for (const auto& kv : r->kvs) {
      for (const auto& n : nlohmann::json::parse(kv.value)) {
        out.insert(n.get<std::string>());
      }
    }
    return out;
  }

  void putMonitor(const std::string& name) {
    ASSERT_TRUE(client_->put(store_->keys().monitor(name), R"({"type":"tcp","interval":"10s"})"));
  }

  // A monitor written now gets placed: the director works (not only holds the key).
  bool placesANewMonitor(const std::string& name) {
    putMonitor(name);
    return eventually([&] { return assigned().contains(name); });
  }

  // After a quiet second and a half, then for `span`, a new monitor every 300 ms, each
  // placed before the next: the director keeps working, whatever it had pending when it was
  // elected. (The quiet time lets a campaign retry left from before fire, 1 s after it was
  // armed, before any placement would re-arm the timer it used to share.)
  bool keepsPlacing(const std::string& prefix, std::chrono::milliseconds span) {
    eventually([] { return false; }, 1500ms);
    const auto end = std::chrono::steady_clock::now() + span;
    for (int i = 0; std::chrono::steady_clock::now() < end; ++i) {
      if (!placesANewMonitor(prefix + std::to_string(i))) {
        return false;
      }
      eventually([] { return false; }, 300ms);
    }
    return true;
  }

  std::vector<store::Event> eventsOf(const std::string& kind, const std::string& type) {
    std::lock_guard lock(mu_);
    std::vector<store::Event> out;
    for (const auto& e : events_) {
      if (e.kind == kind && e.type == type) {
        out.push_back(e);
      }
    }
    return out;
  }

  std::shared_ptr<store::Store> store_;
  std::string key_;
  ninevolt::testing::LoopThread loop_;                          // outlives the loop objects
  std::map<std::string, std::unique_ptr<Director>> directors_;  // loop only
  std::mutex mu_;
  std::vector<store::Event> events_;
};

// The issue's etcd stall, without the stall: the lease goes, the director's campaign with
// the dead lease fails and schedules a retry; the member registers on a new lease and wins.
// The retry left from before must not campaign again (it used to overwrite the value the
// fence compares, so the next placement fenced the director out for good).
TEST_F(DirectorElectionTest, ARetryLeftFromTheLostLeaseDoesNotFenceOutTheNewDirector) {
  putMonitor("c0");
  const int64_t lease1 = registerMember("m1");
  auto& d = newDirector("m1");
  start(d, lease1);
  ASSERT_TRUE(eventually([&] { return assigned().contains("c0"); }));

  ASSERT_TRUE(client_->revokeLease(lease1));  // the key and the record go with it
  ASSERT_TRUE(eventually([&] { return !isDirector(d); }));
  const int64_t lease2 = registerMember("m1");
  start(d, lease2);
  ASSERT_TRUE(eventually([&] { return isDirector(d); }));

  EXPECT_TRUE(keepsPlacing("late", 3s));
  EXPECT_TRUE(isDirector(d));
  auto kv = directorKey();
  ASSERT_TRUE(kv);
  EXPECT_EQ(kv->lease, lease2);
}

// A campaign whose answer was lost (a timeout after etcd applied it) leaves the key with this
// member's id on its lease: that member is the director, not a follower of itself.
TEST_F(DirectorElectionTest, AKeyNamingThisMemberOnItsOwnLeaseIsItsOwn) {
  const int64_t lease = registerMember("m1");
  const std::string value = R"({"id":"m1","since":"2026-01-01T00:00:00Z"})";
  ASSERT_TRUE(client_->put(key_, value, {.lease = lease}));
  const auto before = directorKey();
  ASSERT_TRUE(before);
  auto& d = newDirector("m1");
  start(d, lease);
  ASSERT_TRUE(eventually([&] { return isDirector(d); }));
  EXPECT_TRUE(placesANewMonitor("c0"));
  auto kv = directorKey();
  ASSERT_TRUE(kv);
  EXPECT_EQ(kv->value, value);
  EXPECT_EQ(kv->create_revision, before->create_revision);
}

// The fence refuses a write because the key was rewritten: the director steps down and
// campaigns again. Rewritten with its own id on its own lease, the key is still its own.
TEST_F(DirectorElectionTest, AFencedOutDirectorCampaignsAgainAndFindsTheKeyItsOwn) {
  // Shared with the hook, which the loop may still run after the test body has returned
  // (until TearDown stops the director): never a reference to the body's stack.
  auto armed = std::make_shared<std::atomic<bool>>(false);
  auto rewritten = std::make_shared<std::atomic<int>>(0);
  int64_t lease = registerMember("m1");
  auto& d = newDirector(
      "m1", {.before_write = [this, armed, rewritten, lease] {
        if (armed->exchange(false)) {
          ASSERT_TRUE(client_->put(key_, R"({"id":"m1","since":"rewritten"})", {.lease = lease}));
          ++*rewritten;
        }
      }});
  start(d, lease);
  ASSERT_TRUE(placesANewMonitor("c0"));
  *armed = true;
  putMonitor("late");  // its placement meets the fence
  ASSERT_TRUE(eventually([&] { return rewritten->load() == 1; }));
  EXPECT_TRUE(eventually([&] { return assigned().contains("late"); }));
  EXPECT_TRUE(isDirector(d));
  EXPECT_TRUE(placesANewMonitor("later"));
}

// Fenced out by another member's key: it follows that member, and campaigns (and wins) when
// that member's lease goes.
TEST_F(DirectorElectionTest, AFencedOutDirectorFollowsTheNewOneAndCampaignsWhenItGoes) {
  auto armed = std::make_shared<std::atomic<bool>>(false);  // shared with the hook (above)
  auto deposed = std::make_shared<std::atomic<int>>(0);
  const int64_t other = registerMember("m2");
  auto& d = newDirector(
      "m1", {.before_write = [this, armed, deposed, other] {
        if (armed->exchange(false)) {
          ASSERT_TRUE(client_->put(key_, R"({"id":"m2","since":"now"})", {.lease = other}));
          ++*deposed;
        }
      }});
  start(d, registerMember("m1"));
  ASSERT_TRUE(placesANewMonitor("c0"));
  *armed = true;
  putMonitor("late");
  ASSERT_TRUE(eventually([&] { return deposed->load() == 1 && !isDirector(d); }));
  EXPECT_FALSE(assigned().contains("late"));
  ASSERT_TRUE(client_->revokeLease(other));
  ASSERT_TRUE(eventually([&] { return isDirector(d); }));
  EXPECT_TRUE(eventually([&] { return assigned().contains("late"); }));
}

// The membership reports the lease lost (etcd did not answer for a whole TTL) while etcd
// still holds it: the director steps down at once, and on the next lease takes its key
// along (same create_revision: nobody else noticed) instead of waiting for the old lease to
// expire.
TEST_F(DirectorElectionTest, ALostLeaseStepsDownAndTheNextLeaseTakesTheKeyAlong) {
  const int64_t lease1 = registerMember("m1");
  auto& d = newDirector("m1");
  start(d, lease1);
  ASSERT_TRUE(placesANewMonitor("c0"));
  const auto before = directorKey();
  ASSERT_TRUE(before);

  onLoop([&] { d.leaseLost(); });
  EXPECT_FALSE(isDirector(d));
  const int64_t lease2 = registerMember("m1");
  start(d, lease2);
  ASSERT_TRUE(eventually([&] { return isDirector(d); }));
  auto kv = directorKey();
  ASSERT_TRUE(kv);
  EXPECT_EQ(kv->lease, lease2);
  EXPECT_EQ(kv->create_revision, before->create_revision);
  EXPECT_EQ(kv->value, before->value);

  ASSERT_TRUE(client_->revokeLease(lease1));  // the old lease ends; the key is not on it
  EXPECT_TRUE(placesANewMonitor("late"));
  EXPECT_TRUE(isDirector(d));
}

// A lease that is already gone when the director is started (the membership re-registered
// meanwhile): the campaign fails, and the next lease elects it.
TEST_F(DirectorElectionTest, AStaleLeaseIsReplacedByTheNextOne) {
  const int64_t stale = registerMember("m1");
  ASSERT_TRUE(client_->revokeLease(stale));
  auto& d = newDirector("m1");
  start(d, stale);
  EXPECT_FALSE(isDirector(d));
  start(d, registerMember("m1"));
  ASSERT_TRUE(eventually([&] { return isDirector(d); }));
  EXPECT_TRUE(keepsPlacing("c", 2s));
}

struct BadKey {
  std::string name;
  std::string value;
  bool on_lease;  // on a live lease of a third party (not a member's)
};

class DirectorBadKeyTest : public DirectorElectionTest,
                           public ::testing::WithParamInterface<BadKey> {};

// A third party's value at the director key blocks nobody for long: after takeover_after
// it is deleted (one member does it, and says so in a director-changed warning) and the
// members elect one of them.
TEST_P(DirectorBadKeyTest, IsTakenOverAfterTheGraceAndReported) {
  const BadKey& bad = GetParam();
  int64_t lease = 0;
  if (bad.on_lease) {
    auto l = client_->grantLease(60s);
    ASSERT_TRUE(l);
    lease = *l;
  }
  ASSERT_TRUE(client_->put(key_, bad.value, {.lease = lease}));
  std::vector<Director*> ds;
  for (const std::string id : {"m1", "m2", "m3"}) {
    ds.push_back(&newDirector(id, {.takeover_after = 300ms}));
    start(*ds.back(), registerMember(id));
  }
  ASSERT_TRUE(eventually([&] { return directorsNow().size() == 1; })) << bad.name;
  const auto now = directorsNow();
  auto kv = directorKey();
  ASSERT_TRUE(kv);
  EXPECT_EQ(directorIdOf(kv->value), now[0]);
  EXPECT_NE(kv->lease, 0);
  EXPECT_TRUE(placesANewMonitor("c0"));
  EXPECT_EQ(directorsNow().size(), 1U);

  auto warnings = eventsOf(store::event_kind::kDirectorChanged, store::kEventWarning);
  ASSERT_EQ(warnings.size(), 1U) << "the key's takeover is reported once, by who deleted it";
  EXPECT_NE(warnings[0].message.find(key_), std::string::npos) << warnings[0].message;
}

INSTANTIATE_TEST_SUITE_P(
    Values, DirectorBadKeyTest,
    ::testing::Values(
        BadKey{"NotJsonNoLease", "not json", false}, BadKey{"EmptyNoLease", "", false},
        BadKey{"ARecordOnNoLease", R"({"id":"m9","since":"x"})", false},
        BadKey{"ARecordOnNoLeaseNamingAMember", R"({"id":"m2","since":"x"})", false},
        BadKey{"NoIdOnALease", R"({"since":"x"})", true},
        BadKey{"EmptyIdOnALease", R"({"id":""})", true}, BadKey{"AListOnALease", R"([1,2])", true},
        BadKey{"InvalidUtf8OnALease", "\xff\xfe{", true},
        BadKey{"DeepOnALease", std::string(5000, '[') + std::string(5000, ']'), true},
        // A well-formed record on a live lease that is no member's: it would hold the key
        // for as long as its lease lives.
        BadKey{"ARecordNamingNoMemberOnALease", R"({"id":"m9","since":"x"})", true},
        BadKey{"ARecordNamingAMemberOnAnotherLease", R"({"id":"m2","since":"x"})", true}),
    [](const ::testing::TestParamInfo<BadKey>& info) { return info.param.name; });

// Garbage written over the key of a working director: it steps down (its fence refuses),
// and takes the key over after the grace.
TEST_F(DirectorElectionTest, GarbageOverTheKeyOfADirectorIsTakenOver) {
  auto& d = newDirector("m1", {.takeover_after = 300ms});
  start(d, registerMember("m1"));
  ASSERT_TRUE(placesANewMonitor("c0"));
  ASSERT_TRUE(client_->put(key_, "garbage"));
  ASSERT_TRUE(eventually([&] {
    auto kv = directorKey();
    return isDirector(d) && kv && directorIdOf(kv->value) == "m1";
  }));
  EXPECT_TRUE(placesANewMonitor("late"));
  EXPECT_EQ(eventsOf(store::event_kind::kDirectorChanged, store::kEventWarning).size(), 1U);
}

// Another member's record on its live lease is a director's key, however long it stays:
// never taken over (it goes with that member's lease).
TEST_F(DirectorElectionTest, AnotherMembersKeyIsNeverTakenOver) {
  const int64_t other = registerMember("m2");
  const std::string value = R"({"id":"m2","since":"x"})";
  ASSERT_TRUE(client_->put(key_, value, {.lease = other}));
  auto& d = newDirector("m1", {.takeover_after = 100ms});
  start(d, registerMember("m1"));
  // Ten times the grace: nothing changes.
  EXPECT_FALSE(eventually(
      [&] {
        auto kv = directorKey();
        return isDirector(d) || !kv || kv->value != value;
      },
      1s));
  EXPECT_TRUE(eventsOf(store::event_kind::kDirectorChanged, store::kEventWarning).empty());
  ASSERT_TRUE(client_->revokeLease(other));
  ASSERT_TRUE(eventually([&] { return isDirector(d); }));
}

// Every member says whether it knows a director (for 9volt.no-director, no_director.h): the
// director itself, the others following it, nobody while the key holds garbage, everyone
// again once it is taken over.
TEST_F(DirectorElectionTest, EveryMemberSaysWhetherItKnowsADirector) {
  std::mutex mu;
  std::map<std::string, std::vector<std::pair<bool, bool>>> known;
  auto withKnown = [&](const std::string& id) {
    return Director::Options{.takeover_after = 300ms,
                             .on_known = [&mu, &known, id](bool k, bool self) {
                               std::lock_guard lock(mu);
                               known[id].emplace_back(k, self);
                             }};
  };
  auto last = [&](const std::string& id) {
    std::lock_guard lock(mu);
    auto& v = known[id];
    return v.empty() ? std::pair{false, false} : v.back();
  };
  auto& a = newDirector("m1", withKnown("m1"));
  start(a, registerMember("m1"));
  ASSERT_TRUE(eventually([&] { return last("m1") == std::pair{true, true}; }));
  auto& b = newDirector("m2", withKnown("m2"));
  start(b, registerMember("m2"));
  ASSERT_TRUE(eventually([&] { return last("m2") == std::pair{true, false}; }));

  ASSERT_TRUE(client_->put(key_, "garbage"));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    auto saw_gap = [&](const std::string& id) {
      return std::count(known[id].begin(), known[id].end(), std::pair{false, false}) > 0;
    };
    return saw_gap("m1") && saw_gap("m2");
  }));
  // One director again, and each says so once per change (no repeats).
  ASSERT_TRUE(eventually([&] {
    const auto l1 = last("m1"), l2 = last("m2");
    return l1.first && l2.first && l1.second != l2.second;
  }));
  std::lock_guard lock(mu);
  for (const auto& [id, v] : known) {
    for (size_t i = 1; i < v.size(); ++i) {
      EXPECT_NE(v[i], v[i - 1]) << id << " at " << i;
    }
  }
}

}  // namespace
}  // namespace ninevolt::cluster
