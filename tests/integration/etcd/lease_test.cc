#include <atomic>

#include <gtest/gtest.h>

#include "etcd/client.h"
#include "etcd/lease_keeper.h"
#include "etcd/watcher.h"
#include "support/etcd_fixture.h"
#include "watch_recorder.h"

namespace ninevolt::etcd {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::EtcdTest;
using testing::eventually;

class LeaseTest : public EtcdTest {};

TEST_F(LeaseTest, GrantTimeToLiveRevoke) {
  auto lease = client_->grantLease(seconds(60));
  ASSERT_TRUE(lease) << lease.error().message;
  EXPECT_NE(*lease, 0);
  auto info = client_->leaseTimeToLive(*lease);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->id, *lease);
  EXPECT_EQ(info->granted_ttl, 60);
  EXPECT_GT(info->ttl, 50);
  EXPECT_LE(info->ttl, 60);

  ASSERT_TRUE(client_->put("/l/key", "v", {.lease = *lease}));
  auto got = client_->range("/l/key");
  ASSERT_TRUE(got);
  ASSERT_EQ(got->kvs.size(), 1u);
  EXPECT_EQ(got->kvs[0].lease, *lease);

  ASSERT_TRUE(client_->revokeLease(*lease));
  auto gone = client_->leaseTimeToLive(*lease);
  ASSERT_TRUE(gone) << gone.error().message;
  EXPECT_EQ(gone->ttl, -1);
  auto after = client_->range("/l/key");
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->kvs.empty());

  auto again = client_->revokeLease(*lease);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kNotFound) << again.error().message;

  auto bad_put = client_->put("/l/key", "v", {.lease = *lease});
  ASSERT_FALSE(bad_put);
  EXPECT_EQ(bad_put.error().code, Errc::kNotFound) << bad_put.error().message;
}

TEST_F(LeaseTest, ExpiryIsSeenAsDeleteEvent) {
  auto lease = client_->grantLease(seconds(1));
  ASSERT_TRUE(lease);
  WatchRecorder rec;
  Watcher watcher(client_, {.key = "/exp/", .prefix = true, .on_update = rec.callback()});
  ASSERT_TRUE(watcher.waitUntilWatching(seconds(5)));
  ASSERT_TRUE(client_->put("/exp/a", "1", {.lease = *lease}));
  ASSERT_TRUE(client_->put("/exp/b", "2", {.lease = *lease}));
  // No keep-alive: etcd expires the lease after ~1 s (its expiry checks run every 500 ms).
  ASSERT_TRUE(rec.waitForEvents(4, seconds(10)));
  auto events = rec.events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[2].type, WatchEvent::kDelete);
  EXPECT_EQ(events[3].type, WatchEvent::kDelete);
  // Every key of a lease vanishes in one revision (NOTES pitfall 7).
  EXPECT_EQ(events[2].kv.mod_revision, events[3].kv.mod_revision);
  auto info = client_->leaseTimeToLive(*lease);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->ttl, -1);
}

TEST_F(LeaseTest, KeeperKeepsKeyAlivePastSeveralTtlsThenReportsRevoke) {
  auto lease = client_->grantLease(seconds(2));
  ASSERT_TRUE(lease);
  ASSERT_TRUE(client_->put("/keep/me", "alive", {.lease = *lease}));
  std::atomic<int> lost_calls{0};
  Error lost_error;
  std::mutex mu;
  LeaseKeeper keeper(client_,
                     {.lease_id = *lease, .ttl = seconds(2), .on_lost = [&](const Error& e) {
                        std::lock_guard lock(mu);
                        lost_error = e;
                        ++lost_calls;
                      }});
  // Wait until three TTLs have passed, polling that the key stays.
  auto until = std::chrono::steady_clock::now() + seconds(6);
  while (std::chrono::steady_clock::now() < until) {
    auto got = client_->range("/keep/me");
    ASSERT_TRUE(got);
    ASSERT_EQ(got->kvs.size(), 1u) << "key expired although kept alive";
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_TRUE(keeper.alive());
  EXPECT_EQ(lost_calls.load(), 0);

  ASSERT_TRUE(client_->revokeLease(*lease));
  ASSERT_TRUE(eventually([&] { return lost_calls.load() == 1; }, seconds(5)));
  EXPECT_FALSE(keeper.alive());
  std::lock_guard lock(mu);
  EXPECT_EQ(lost_error.code, Errc::kNotFound) << lost_error.message;
}

TEST_F(LeaseTest, KeeperReportsLossWhenEtcdIsGoneForATtl) {
  auto lease = client_->grantLease(seconds(2));
  ASSERT_TRUE(lease);
  std::atomic<int> lost_calls{0};
  LeaseKeeper keeper(client_, {.lease_id = *lease, .ttl = seconds(2), .on_lost = [&](const Error&) {
                                 ++lost_calls;
                               }});
  ASSERT_TRUE(etcd_->stop());
  auto stopped_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return lost_calls.load() == 1; }, seconds(6)));
  // Not before the TTL can have run out.
  EXPECT_GE(std::chrono::steady_clock::now() - stopped_at, milliseconds(1000));
  EXPECT_FALSE(keeper.alive());
}

TEST_F(LeaseTest, KeeperRidesOutEtcdRestart) {
  auto lease = client_->grantLease(seconds(3));
  ASSERT_TRUE(lease);
  ASSERT_TRUE(client_->put("/keep/restart", "x", {.lease = *lease}));
  std::atomic<int> lost_calls{0};
  LeaseKeeper keeper(client_, {.lease_id = *lease, .ttl = seconds(3), .on_lost = [&](const Error&) {
                                 ++lost_calls;
                               }});
  ASSERT_TRUE(etcd_->restart());
  // Beyond the TTL after the restart, the key must still be there.
  auto until = std::chrono::steady_clock::now() + seconds(4);
  while (std::chrono::steady_clock::now() < until) {
    auto got = client_->range("/keep/restart");
    ASSERT_TRUE(got) << got.error().message;
    ASSERT_EQ(got->kvs.size(), 1u);
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_TRUE(keeper.alive());
  EXPECT_EQ(lost_calls.load(), 0);
}

TEST_F(LeaseTest, KeeperDestroyedWithoutCallback) {
  auto lease = client_->grantLease(seconds(1));
  ASSERT_TRUE(lease);
  std::atomic<int> lost_calls{0};
  {
    LeaseKeeper keeper(
        client_,
        {.lease_id = *lease, .ttl = seconds(1), .on_lost = [&](const Error&) { ++lost_calls; }});
    ASSERT_TRUE(eventually([&] {
      auto info = client_->leaseTimeToLive(*lease);
      return info && info->ttl >= 0;
    }));
  }
  ASSERT_TRUE(client_->revokeLease(*lease));
  // The keeper is gone (its thread joined): revoking must not reach on_lost.
  auto info = client_->leaseTimeToLive(*lease);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->ttl, -1);
  EXPECT_EQ(lost_calls.load(), 0);
}

}  // namespace
}  // namespace ninevolt::etcd
