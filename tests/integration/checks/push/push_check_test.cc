// The push check against a real etcd: what it says of each kind of push record, that it
// starts the deadline of a never-pushed check in etcd (so the next owner keeps it), that it
// gives no verdict (rather than an alarm) when etcd cannot confirm, and what it says
// without a cluster (`9volt check`).
#include "checks/push/push_check.h"

#include <csignal>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "integration/checks/check_harness.h"
#include "store/store.h"
#include "support/etcd_fixture.h"

namespace ninevolt::checks::push {
namespace {

using namespace std::chrono_literals;
using checks::testing::CheckRunner;
using checks::testing::specOf;
using ninevolt::testing::eventually;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const nlohmann::json kMonitor{
    {"type", "push"}, {"interval", "2s"}, {"grace", "1s"}, {"token", "abcdefghijklmnop"}};

class PushCheckTest : public ninevolt::testing::EtcdTest {
 protected:
  void SetUp() override {
    EtcdTest::SetUp();
    store_ = std::make_shared<store::Store>(client_, "/9volt");
    factory_ = makeFactory(FactoryContext{.store = store_});
    // Push records are written only while their monitor exists.
    ASSERT_TRUE(client_->put("/9volt/monitor/t", kMonitor.dump()));
  }

  // Runs until the check gives a verdict (its member reads the records first).
  CheckResult judged(const CheckFactory& factory, const config::MonitorSpec& spec) {
    CheckResult r;
    EXPECT_TRUE(eventually(
        [&] {
          r = runner_.run(factory, spec);
          return r.verdict;
        },
        10s))
        << r.message;
    return r;
  }
  void putPush(common::SystemTime time, bool failed = false, std::string message = "") {
    store::PushRecord r;
    r.time = time;
    r.failed = failed;
    r.message = std::move(message);
    r.member = "m1";
    auto written = store_->putPush("t", r);
    ASSERT_TRUE(written && *written);
  }

  std::shared_ptr<store::Store> store_;
  std::unique_ptr<CheckFactory> factory_;
  CheckRunner runner_;
};

TEST_F(PushCheckTest, NeverPushedStartsTheDeadlineInEtcdAndTheNextOwnerKeepsIt) {
  // 5 s to the deadline: room for the second board to read the records on a busy machine.
  auto spec = specOf(kMonitor, {{"interval", "4s"}});
  auto first = judged(*factory_, spec);
  EXPECT_EQ(first.status, Status::kOk) << first.message;
  EXPECT_THAT(first.message, StartsWith("no push yet; the first is due by "));
  auto stored = store_->getPush("t");
  ASSERT_TRUE(stored && *stored);
  ASSERT_TRUE((*stored)->armed);
  EXPECT_FALSE((*stored)->time);
  // Another member (its own board) judges the same deadline.
  auto other = makeFactory(FactoryContext{.store = store_});
  EXPECT_EQ(judged(*other, spec).message, first.message);
  // Past it: critical, and the deadline is the one armed first.
  ASSERT_TRUE(
      eventually([&] { return runner_.run(*other, spec).status == Status::kCritical; }, 20s));
  auto late = runner_.run(*other, spec);
  EXPECT_EQ(late.failure, Failure::kMissed);
  EXPECT_THAT(late.message,
              HasSubstr("no push at all since "
                        + common::formatRfc3339(std::chrono::time_point_cast<std::chrono::seconds>(
                            *(*stored)->armed))));
}

TEST_F(PushCheckTest, RecentPushIsOkFailedPushIsCriticalLatePushIsMissed) {
  auto spec = specOf(kMonitor);
  putPush(std::chrono::system_clock::now(), false, "backup done");
  auto ok = judged(*factory_, spec);
  EXPECT_EQ(ok.status, Status::kOk);
  EXPECT_THAT(ok.message, HasSubstr("via member m1: backup done"));
  EXPECT_TRUE(ok.values.contains("seconds_since_push"));

  putPush(std::chrono::system_clock::now(), true, "disk full");
  ASSERT_TRUE(eventually([&] { return runner_.run(*factory_, spec).status == Status::kCritical; }));
  auto failed = runner_.run(*factory_, spec);
  EXPECT_EQ(failed.failure, Failure::kPlugin);
  EXPECT_THAT(failed.message, HasSubstr("the job reported a failure at "));
  EXPECT_THAT(failed.message, HasSubstr("disk full"));

  putPush(std::chrono::system_clock::now() - 10s);
  ASSERT_TRUE(eventually([&] { return runner_.run(*factory_, spec).failure == Failure::kMissed; }));
  auto missed = runner_.run(*factory_, spec);
  EXPECT_EQ(missed.status, Status::kCritical);
  EXPECT_THAT(missed.message, HasSubstr("expected every 2s + 1s grace"));
}

TEST_F(PushCheckTest, NoVerdictWhenEtcdCannotConfirmAMiss) {
  auto spec = specOf(kMonitor);
  putPush(std::chrono::system_clock::now());
  EXPECT_EQ(judged(*factory_, spec).status, Status::kOk);
  // The push goes stale while etcd is frozen: this member's copy says "missed", and etcd
  // cannot confirm it. No alarm: no verdict.
  ASSERT_EQ(::kill(etcd_->pid(), SIGSTOP), 0);
  std::this_thread::sleep_for(3500ms);  // past interval + grace, by the wall clock
  auto r = runner_.run(*factory_, spec);
  ASSERT_EQ(::kill(etcd_->pid(), SIGCONT), 0);
  EXPECT_FALSE(r.verdict) << r.message;
  EXPECT_EQ(r.status, Status::kUnknown);
  // With etcd back the miss is confirmed.
  ASSERT_TRUE(eventually([&] { return runner_.run(*factory_, spec).failure == Failure::kMissed; }));
}

TEST_F(PushCheckTest, OneCheckConfirmsAMissOnceThenSeesTheNextPush) {
  // The same check object across runs (as on its owner): the miss is confirmed with etcd,
  // later runs on the same record need no read, and a new push is seen at once.
  auto spec = specOf(kMonitor);
  putPush(std::chrono::system_clock::now() - 10s);
  auto check = factory_->create(spec, runner_.io());
  auto run = [&] {
    std::optional<CheckResult> result;
    check->start([&](CheckResult r) { result = std::move(r); });
    EXPECT_TRUE(runner_.runUntil([&] { return result.has_value(); }));
    return result.value_or(CheckResult::unknown("no result"));
  };
  ASSERT_TRUE(eventually([&] { return run().failure == Failure::kMissed; }, 10s));
  putPush(std::chrono::system_clock::now());
  ASSERT_TRUE(eventually([&] { return run().status == Status::kOk; }, 10s));
}

TEST_F(PushCheckTest, NothingIsWrittenForAMonitorThatIsGone) {
  ASSERT_TRUE(client_->del("/9volt/monitor/t"));
  store::PushRecord r;
  r.time = std::chrono::system_clock::now();
  auto written = store_->putPush("t", r);
  ASSERT_TRUE(written);
  EXPECT_FALSE(*written);
  auto armed = store_->armPush("t", std::chrono::system_clock::now());
  ASSERT_FALSE(armed);
  EXPECT_EQ(armed.error().code, Errc::kNotFound);
  EXPECT_FALSE(client_->range("/9volt/push/t")->kvs.size());
  // A run then has no verdict (the manager removes the check with its monitor).
  auto result = runner_.run(*factory_, specOf(kMonitor));
  EXPECT_FALSE(result.verdict);
}

TEST(PushWithoutCluster, SaysItCannotJudge) {
  auto factory = makeFactory(FactoryContext{});
  CheckRunner runner;
  auto r = runner.run(*factory, specOf(kMonitor));
  EXPECT_EQ(r.status, Status::kUnknown);
  EXPECT_TRUE(r.verdict);
  EXPECT_THAT(r.message, HasSubstr("`9volt check` runs no cluster"));
}

}  // namespace
}  // namespace ninevolt::checks::push
