// The per-member last-run digest of a member with many checks: larger than etcd's request
// limit (1.5 MiB by default) in one txn, it must still be written, whole, on the member's lease.
// Real etcd, the publisher on a loop thread as in the server.
#include <future>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cluster/state_publisher.h"
#include "common/yaml_json.h"
#include "support/etcd_fixture.h"
#include "support/loop_thread.h"

namespace ninevolt::cluster {
namespace {

using namespace std::chrono_literals;

class StateDigestTest : public ninevolt::testing::EtcdTest {
 protected:
  void SetUp() override {
    EtcdTest::SetUp();
    store_ = std::make_shared<store::Store>(client_, "9volt");
    // Long: nothing keeps it alive, and under ThreadSanitizer writing the large digest
    // below takes most of a minute.
    auto lease = client_->grantLease(600s);
    ASSERT_TRUE(lease);
    lease_ = *lease;
  }

  void TearDown() override {
    onLoop([this] { publisher_.reset(); });
    loop_.join();
    EtcdTest::TearDown();
  }

  void onLoop(const std::function<void()>& fn) { loop_.onLoop(fn); }

  std::shared_ptr<store::Store> store_;
  ninevolt::testing::LoopThread loop_;  // before the loop objects: outlives them
  int64_t lease_ = 0;
  std::unique_ptr<StatePublisher> publisher_;
};

TEST_F(StateDigestTest, ADigestLargerThanOneEtcdRequestIsWrittenWhole) {
  // ~45 bytes per entry: 3.6 MB of digest, more than twice what one request may carry.
  constexpr int kChecks = 80000;
  onLoop([this] {
    publisher_ = std::make_unique<StatePublisher>(
        loop_.io(), store_,
        StatePublisher::Options{
            .member_id = "m1", .flush_interval = std::chrono::hours(1), .digest_interval = 1h});
    publisher_->start(lease_);  // nothing to digest yet
  });
  const auto now = std::chrono::system_clock::now();
  for (int i = 0; i < kChecks; ++i) {
    engine::RunReport r{.check = fmt::format("a-rather-long-check-name-{:06d}", i),
                        .result = checks::CheckResult::ok("fine")};
    r.result.time = now;
    publisher_->onResult(r);  // posted to the loop, before the interval change below
  }
  onLoop([this] { publisher_->setDigestInterval(50ms); });

  const std::string prefix = "/9volt/cluster/digest/m1/";
  ASSERT_TRUE(ninevolt::testing::eventually([&] {
    auto n = client_->range(prefix, {.prefix = true, .count_only = true});
    return n && n->count == 64;  // every shard
  }, 40s));  // a few seconds here; most of a minute under TSan (eventually() scales it)
  auto digest = client_->range(prefix, {.prefix = true});
  ASSERT_TRUE(digest);
  size_t entries = 0;
  for (const auto& kv : digest->kvs) {
    EXPECT_EQ(kv.lease, lease_) << kv.key;
    auto j = common::parseJson(kv.value);
    ASSERT_TRUE(j && j->is_object()) << kv.key;
    entries += j->size();
  }
  EXPECT_EQ(entries, static_cast<size_t>(kChecks));
}

}  // namespace
}  // namespace ninevolt::cluster
