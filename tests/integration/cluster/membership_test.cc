// Membership on a real etcd: its loop keeps turning while etcd does not answer (issue 11,
// chaos defect 5: re-registering made blocking etcd calls on the loop that also serves
// /metrics and /status/check, stalling it for a whole call timeout per attempt).
//
// etcd is made a black hole by SIGSTOP of the test's private etcd: connections stay open
// and requests are taken but never answered, so every call waits for its whole deadline,
// as with a member cut from etcd by a network fault. (tests/e2e's TcpProxy cut() closes
// the connections instead, which a client may notice before its deadline.)
#include "cluster/membership.h"

#include <csignal>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/etcd_fixture.h"
#include "support/loop_thread.h"

namespace ninevolt::cluster {
namespace {

using namespace std::chrono_literals;
using ninevolt::testing::eventually;

// Short, so that the test waits through several failing attempts in a few seconds. A loop
// that makes an etcd call stalls for at least this long; one that does not, for no more
// than a busy machine delays a 50 ms timer. The threshold sits between the two.
constexpr auto kCallTimeout = 1000ms;
constexpr auto kStallThreshold = kCallTimeout * 9 / 10;
constexpr auto kBeat = 50ms;

struct Change {
  bool ok = false;
  std::string why;
  std::thread::id thread;
};

class MembershipTest : public ninevolt::testing::EtcdTest {
 protected:
  void SetUp() override {
    EtcdTest::SetUp();
    store_ = std::make_shared<store::Store>(newClient({.call_timeout = kCallTimeout}), "9volt");
    onLoop([this] { loop_thread_ = std::this_thread::get_id(); });
  }

  void TearDown() override {
    resumeEtcd();
    onLoop([this] {
      if (membership_) {
        membership_->stop();
        membership_.reset();
      }
      // cancel() alone cannot stop it: a beat that already fired is queued with success
      // and would arm the timer again, and loop_.join() would wait for ever (it did, once,
      // under stress-ng).
      beating_ = false;
      heartbeat_.cancel();
    });
    loop_.join();
    EtcdTest::TearDown();
  }

  void onLoop(const std::function<void()>& fn) { loop_.onLoop(fn); }

  // Starts the member (ttl 2 s: etcd's shortest lease) and the heartbeat on the loop.
  void startMember(std::chrono::seconds ttl = 2s) {
    Membership::Options options;
    options.member = {.id = "m1", .hostname = "host", .listen = "127.0.0.1:0"};
    options.ttl = ttl;
    options.on_change = [this](bool ok, const std::string& why) {
      std::lock_guard lock(mutex_);
      changes_.push_back({ok, why, std::this_thread::get_id()});
    };
    Result<void> started;
    onLoop([&] {
      membership_ = std::make_unique<Membership>(loop_.io(), store_, options);
      started = membership_->start();
      last_beat_ = std::chrono::steady_clock::now();
      beat();
    });
    ASSERT_TRUE(started) << started.error().message;
  }

  // Every kBeat on the loop; remembers the longest time between two beats.
  void beat() {
    heartbeat_.expires_after(kBeat);
    heartbeat_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || !beating_) {
        return;
      }
      const auto now = std::chrono::steady_clock::now();
      longest_gap_ = std::max(longest_gap_, now - last_beat_);
      last_beat_ = now;
      beat();
    });
  }

  std::chrono::steady_clock::duration longestGap() {
    std::chrono::steady_clock::duration gap{};
    onLoop([&] { gap = longest_gap_; });
    return gap;
  }
  void resetLongestGap() {
    onLoop([&] { longest_gap_ = {}; });
  }

  void freezeEtcd() {
    ASSERT_EQ(::kill(etcd_->pid(), SIGSTOP), 0);
    frozen_ = true;
  }
  void resumeEtcd() {
    if (frozen_) {
      ::kill(etcd_->pid(), SIGCONT);
      frozen_ = false;
    }
  }

  size_t countChanges(bool ok, const std::string& why_part = {}) {
    std::lock_guard lock(mutex_);
    return std::count_if(changes_.begin(), changes_.end(), [&](const Change& c) {
      return c.ok == ok && c.why.find(why_part) != std::string::npos;
    });
  }
  std::vector<Change> changes() {
    std::lock_guard lock(mutex_);
    return changes_;
  }

  bool registered() {
    bool yes = false;
    onLoop([&] { yes = membership_->registered(); });
    return yes;
  }
  int64_t leaseId() {
    int64_t lease = 0;
    onLoop([&] { lease = membership_->leaseId(); });
    return lease;
  }

  // The member record as etcd holds it (read with the fixture's own client).
  std::optional<etcd::KeyValue> record() {
    auto r = client_->range(store_->keys().member("m1"));
    EXPECT_TRUE(r) << r.error().message;
    if (!r || r->kvs.empty()) {
      return std::nullopt;
    }
    return r->kvs.front();
  }

  testing::LoopThread loop_;
  std::shared_ptr<store::Store> store_;
  std::unique_ptr<Membership> membership_;             // loop only
  boost::asio::steady_timer heartbeat_{loop_.io()};    // loop only
  bool beating_ = true;                                // loop only
  std::chrono::steady_clock::time_point last_beat_;    // loop only
  std::chrono::steady_clock::duration longest_gap_{};  // loop only
  std::thread::id loop_thread_;
  bool frozen_ = false;
  std::mutex mutex_;
  std::vector<Change> changes_;  // guarded by mutex_
};

TEST_F(MembershipTest, ReRegisteringWithEtcdAwayNeverStallsTheLoop) {
  startMember();
  ASSERT_TRUE(registered());
  freezeEtcd();
  // No keep-alive for a whole TTL: the lease counts as lost and registering starts.
  ASSERT_TRUE(eventually([&] { return countChanges(false, "lost etcd lease") == 1; }, 10s));
  resetLongestGap();
  // Several attempts, each waiting its whole call timeout against the frozen etcd.
  ASSERT_TRUE(eventually([&] { return countChanges(false, "cannot register") >= 3; }, 20s));
  const auto gap = longestGap();
  EXPECT_LT(gap, kStallThreshold)
      << "the loop stalled for "
      << std::chrono::duration_cast<std::chrono::milliseconds>(gap).count()
      << " ms while registration attempts were failing";

  resumeEtcd();
  ASSERT_TRUE(eventually([&] { return registered(); }, 15s));
  const auto all = changes();
  ASSERT_FALSE(all.empty());
  EXPECT_TRUE(all.back().ok) << all.back().why;
  EXPECT_EQ(countChanges(true), 2u);  // start() and the registration after the outage
  for (const auto& c : all) {
    EXPECT_EQ(c.thread, loop_thread_) << "on_change(" << c.ok << ", " << c.why << ") off the loop";
  }
  auto kv = record();
  ASSERT_TRUE(kv);
  EXPECT_EQ(kv->lease, leaseId());
}

// setTtl (grant + put) and setChecks (put) while etcd does not answer: the loop goes on,
// and both apply with the next registration.
TEST_F(MembershipTest, SetTtlAndSetChecksWithEtcdAwayNeverStallTheLoop) {
  startMember();
  const int64_t first_lease = leaseId();
  freezeEtcd();
  resetLongestGap();
  onLoop([&] {
    membership_->setTtl(3s);  // registered: moves to a new lease (cannot now)
    membership_->setChecks(7);
  });
  ASSERT_TRUE(eventually([&] { return countChanges(false, "lost etcd lease") == 1; }, 10s));
  onLoop([&] { membership_->setChecks(8); });  // not registered: goes into the registration
  ASSERT_TRUE(eventually([&] { return countChanges(false, "cannot register") >= 2; }, 20s));
  const auto gap = longestGap();
  EXPECT_LT(gap, kStallThreshold)
      << "the loop stalled for "
      << std::chrono::duration_cast<std::chrono::milliseconds>(gap).count() << " ms";

  resumeEtcd();
  ASSERT_TRUE(eventually([&] { return registered(); }, 15s));
  const int64_t lease = leaseId();
  EXPECT_NE(lease, first_lease);
  auto kv = record();
  ASSERT_TRUE(kv);
  EXPECT_EQ(kv->lease, lease);
  EXPECT_EQ(nlohmann::json::parse(kv->value).value("checks", -1), 8);
  auto ttl = client_->leaseTimeToLive(lease);
  ASSERT_TRUE(ttl) << ttl.error().message;
  EXPECT_EQ(ttl->granted_ttl, 3);
  onLoop([&] { EXPECT_EQ(membership_->ttl(), 3s); });
}

// setTtl and setChecks while etcd answers: the record moves to a lease with the new TTL and
// carries the new count, without the member ever leaving.
TEST_F(MembershipTest, SetTtlMovesTheRecordAndSetChecksUpdatesIt) {
  std::vector<int64_t> moved;
  startMember();
  const int64_t first_lease = leaseId();
  onLoop([&] {
    membership_->setChecks(5);
    membership_->setTtl(4s);
    membership_->setChecks(6);  // while the move may be in flight
  });
  ASSERT_TRUE(eventually([&] {
    auto kv = record();
    return kv && kv->lease != first_lease
           && nlohmann::json::parse(kv->value).value("checks", -1) == 6;
  }));
  auto kv = record();
  ASSERT_TRUE(kv);
  EXPECT_EQ(kv->lease, leaseId());
  auto ttl = client_->leaseTimeToLive(kv->lease);
  ASSERT_TRUE(ttl);
  EXPECT_EQ(ttl->granted_ttl, 4);
  EXPECT_TRUE(registered());
  EXPECT_EQ(countChanges(false), 0u);  // the member never left
}

// stop() while a registration may be in flight: once stop() returns, nothing of this member
// is left in etcd (a lease the attempt granted meanwhile is revoked too) but, for a moment,
// the record on the lost lease, which etcd itself expires.
TEST_F(MembershipTest, StopDuringRegistrationLeavesNoRecord) {
  startMember();
  const int64_t lost_lease = leaseId();
  freezeEtcd();
  ASSERT_TRUE(eventually([&] { return countChanges(false, "cannot register") >= 1; }, 10s));
  // The next attempt starts 500 ms after the first failure and waits up to kCallTimeout:
  // aim the resume and the stop into it. Where they land changes only which path of stop()
  // runs; the assertions hold for all of them.
  std::this_thread::sleep_for(700ms);
  resumeEtcd();
  onLoop([&] { membership_->stop(); });
  EXPECT_FALSE(registered());
  if (auto kv = record()) {
    EXPECT_EQ(kv->lease, lost_lease)
        << "a record on a lease granted after the loss outlived stop()";
  }
  EXPECT_TRUE(eventually([&] { return !record(); }));
}

}  // namespace
}  // namespace ninevolt::cluster
