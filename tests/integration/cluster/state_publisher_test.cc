// What the state publisher writes to etcd, counted in revisions of a real etcd: a long
// outage costs each check at most (highest threshold + 1) state writes, then the shown-only
// changes trickle out at a constant rate; the per-member digest keeps one size however many
// checks the member has, and lists the late ones. The publisher runs on a loop thread as in
// the server; flush() is called by hand (the flush timer is an hour).
#include "cluster/state_publisher.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/yaml_json.h"
#include "support/etcd_fixture.h"
#include "support/loop_thread.h"

namespace ninevolt::cluster {
namespace {

using namespace std::chrono_literals;
constexpr const char* kMonitor = R"({"type":"tcp","host":"127.0.0.1","port":1})";

class StatePublisherTest : public ninevolt::testing::EtcdTest {
 protected:
  void SetUp() override {
    EtcdTest::SetUp();
    store_ = std::make_shared<store::Store>(client_, "9volt");
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

  void startPublisher(std::chrono::milliseconds digest_interval = 1h) {
    onLoop([&] {
      publisher_ = std::make_unique<StatePublisher>(
          loop_.io(), store_,
          StatePublisher::Options{.member_id = "m1",
                                  .flush_interval = std::chrono::hours(1),
                                  .digest_interval = digest_interval});
      publisher_->start(lease_);
    });
  }

  // One run of `check`, as the engine reports it: failing with this count (0 = ok).
  static engine::RunReport run(const std::string& check, int count, const std::string& message,
                               int settled = 3) {
    engine::RunReport r{.check = check,
                        .result = count == 0 ? checks::CheckResult::ok(message)
                                             : checks::CheckResult::critical(message)};
    r.result.time = std::chrono::system_clock::now();
    r.count = count;
    r.settled_count = settled;
    r.state = count >= settled ? state::CheckState::kCritical : state::CheckState::kOk;
    return r;
  }

  uint64_t flush() {
    uint64_t writes = 0;
    onLoop([&] {
      publisher_->flush();
      writes = publisher_->writes();
    });
    return writes;
  }

  int64_t revision() { return client_->status()->revision; }

  std::shared_ptr<store::Store> store_;
  ninevolt::testing::LoopThread loop_;  // before the loop objects: outlives them
  int64_t lease_ = 0;
  std::unique_ptr<StatePublisher> publisher_;
};

TEST_F(StatePublisherTest, AnOutageCostsEachCheckItsThresholdsThenAConstantRate) {
  constexpr int kChecks = 200;
  constexpr int kSettled = 3;  // critical after 3 failures
  for (int i = 0; i < kChecks; ++i) {
    ASSERT_TRUE(client_->put(fmt::format("/9volt/monitor/c{:03d}", i), kMonitor));
  }
  startPublisher();
  for (int i = 0; i < kChecks; ++i) {
    publisher_->onResult(run(fmt::format("c{:03d}", i), 0, "fine"));
  }
  ASSERT_EQ(flush(), static_cast<uint64_t>(kChecks));  // each check's first state

  // Every target down for 30 runs, each failure with its own message (a timeout counting
  // up, say): the count is needed up to 3; beyond it only shown.
  uint64_t writes = kChecks;
  for (int n = 1; n <= 30; ++n) {
    for (int i = 0; i < kChecks; ++i) {
      publisher_->onResult(run(fmt::format("c{:03d}", i), n, fmt::format("timeout #{}", n)));
    }
    const uint64_t now = flush();
    if (n <= kSettled) {
      EXPECT_EQ(now - writes, static_cast<uint64_t>(kChecks)) << "run " << n;
    } else {
      EXPECT_EQ(now - writes, StatePublisher::kCosmeticPerFlush) << "run " << n;
    }
    writes = now;
  }
  onLoop([&] {
    EXPECT_EQ(publisher_->cosmeticPending(), kChecks - StatePublisher::kCosmeticPerFlush);
  });

  // What the next owner reads: critical, count at least the threshold.
  auto st = client_->range("/9volt/state/c150");
  ASSERT_TRUE(st && st->kvs.size() == 1);
  auto j = common::parseJson(st->kvs[0].value);
  ASSERT_TRUE(j);
  EXPECT_EQ((*j)["status"], "critical");
  EXPECT_GE((*j)["count"].get<int>(), kSettled);

  // With no new runs the round robin reaches every check: each shows its latest message.
  for (int n = 0; n * StatePublisher::kCosmeticPerFlush < kChecks; ++n) {
    flush();
  }
  onLoop([&] { EXPECT_EQ(publisher_->cosmeticPending(), 0U); });
  for (const char* check : {"c000", "c150", "c199"}) {
    auto shown =
        common::parseJson(client_->range(std::string("/9volt/state/") + check)->kvs[0].value);
    EXPECT_EQ((*shown)["message"], "timeout #30") << check;
    EXPECT_EQ((*shown)["count"], 30) << check;
  }
  writes = flush();

  // Recovery is needed again: every check at once, and the shown-only backlog goes with it.
  for (int i = 0; i < kChecks; ++i) {
    publisher_->onResult(run(fmt::format("c{:03d}", i), 0, "fine"));
  }
  EXPECT_EQ(flush() - writes, static_cast<uint64_t>(kChecks));
  onLoop([&] { EXPECT_EQ(publisher_->cosmeticPending(), 0U); });
  j = common::parseJson(client_->range("/9volt/state/c150")->kvs[0].value);
  EXPECT_EQ((*j)["status"], "ok");
  EXPECT_EQ((*j)["count"], 0);
}

TEST_F(StatePublisherTest, HugeMessagesAreCutAndSplitIntoRequestsEtcdTakes) {
  // 200 checks failing with 1 MiB messages each (a future check type that forgot to bound
  // its output): one batch would be 200 MiB, far over etcd's 1.5 MiB request limit.
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(client_->put(fmt::format("/9volt/monitor/h{:03d}", i), kMonitor));
  }
  startPublisher();
  const std::string huge(1 << 20, 'x');
  for (int i = 0; i < 200; ++i) {
    publisher_->onResult(run(fmt::format("h{:03d}", i), 1, huge));
  }
  EXPECT_EQ(flush(), 200U);
  auto st = client_->range("/9volt/state/h123");
  ASSERT_TRUE(st && st->kvs.size() == 1);
  auto j = common::parseJson(st->kvs[0].value);
  ASSERT_TRUE(j);
  const std::string message = (*j)["message"];
  EXPECT_LE(message.size(), 4096U + 32);
  EXPECT_NE(message.find("(1048576 bytes)"), std::string::npos) << message.substr(4000);
}

TEST_F(StatePublisherTest, ASteadyCheckIsNotRewritten) {
  ASSERT_TRUE(client_->put("/9volt/monitor/web", kMonitor));
  startPublisher();
  publisher_->onResult(run("web", 0, "200 OK"));
  ASSERT_EQ(flush(), 1U);
  const int64_t before = revision();
  for (int n = 0; n < 50; ++n) {
    publisher_->onResult(run("web", 0, "200 OK"));
    flush();
  }
  EXPECT_EQ(revision(), before);
}

// Flapping starting or stopping is written at once, with the history of states the next
// owner continues from; a flapping check's history goes with every write.
TEST_F(StatePublisherTest, FlappingIsWrittenWithTheHistory) {
  ASSERT_TRUE(client_->put("/9volt/monitor/web", kMonitor));
  startPublisher();
  auto r = run("web", 3, "down");
  r.history = *state::FlapHistory::parse("ococococococ");
  r.flapping = false;
  publisher_->onResult(r);
  ASSERT_EQ(flush(), 1U);
  auto stored = [&] {
    auto got = client_->range("/9volt/state/web");
    EXPECT_TRUE(got && got->kvs.size() == 1);
    return *store::decodeState(got->kvs.at(0).value);
  };
  EXPECT_FALSE(stored().flapping);
  EXPECT_EQ(stored().history, r.history.text());
  // Only flapping changes: still needed by the next owner, so written with the next flush.
  r.flapping = true;
  publisher_->onResult(r);
  ASSERT_EQ(flush(), 2U);
  EXPECT_TRUE(stored().flapping);
  // A steady history is left out (it is `status` throughout).
  auto steady = run("web", 0, "fine");
  steady.history = state::FlapHistory(state::CheckState::kOk);
  publisher_->onResult(steady);
  ASSERT_EQ(flush(), 3U);
  EXPECT_EQ(stored().history, "");
  EXPECT_FALSE(stored().flapping);
}

TEST_F(StatePublisherTest, TheDigestKeepsItsSizeAndListsTheLateChecks) {
  startPublisher(50ms);
  const std::string key = "/9volt/cluster/digest/m1/summary";
  // The digest once it says what `done` wants (written every 50 ms, maybe mid-feed).
  auto digestWhere = [&](const std::function<bool(const nlohmann::json&)>& done) {
    std::optional<etcd::KeyValue> out;
    EXPECT_TRUE(ninevolt::testing::eventually([&] {
      auto d = client_->range(key);
      if (!d || d->kvs.empty()) {
        return false;
      }
      auto j = common::parseJson(d->kvs[0].value);
      if (j && j->is_object() && done(*j)) {
        out = d->kvs[0];
      }
      return out.has_value();
    }));
    return out;
  };
  auto feed = [&](int checks, int late) {
    for (int i = 0; i < checks; ++i) {
      auto r = run(fmt::format("a-rather-long-check-name-{:06d}", i), 0, "fine");
      r.lag = i < late ? std::chrono::seconds(5 + i) : std::chrono::milliseconds(3);
      publisher_->onResult(r);
    }
  };

  feed(100, 0);
  auto small = digestWhere([](const nlohmann::json& j) { return j["checks"] == 100; });
  ASSERT_TRUE(small);
  EXPECT_EQ(small->lease, lease_);
  feed(50000, 0);
  auto large = digestWhere([](const nlohmann::json& j) { return j["checks"] == 50000; });
  ASSERT_TRUE(large);
  EXPECT_EQ((*common::parseJson(large->value))["late_total"], 0);
  // The same few fields: only the numbers' digits may differ.
  EXPECT_LT(large->value.size(), small->value.size() + 16);

  // 500 checks late: all counted, the 100 latest listed, each with its lag.
  feed(50000, 500);
  auto late = digestWhere([](const nlohmann::json& j) { return j["late_total"] == 500; });
  ASSERT_TRUE(late);
  auto j = common::parseJson(late->value);
  ASSERT_EQ((*j)["late"].size(), StatePublisher::kLateListed);
  EXPECT_EQ((*j)["late"]["a-rather-long-check-name-000499"]["lag_ms"], 504000);
  EXPECT_FALSE((*j)["late"].contains("a-rather-long-check-name-000000"));  // the least late

  // On time again: off the list.
  feed(50000, 0);
  EXPECT_TRUE(digestWhere([](const nlohmann::json& j) { return j["late_total"] == 0; }));
}

}  // namespace
}  // namespace ninevolt::cluster
