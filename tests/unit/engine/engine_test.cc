// Engine with fake checks (real loops and timers, no targets): scheduling, updates,
// removal during a run, overlap, seeds.
#include "engine/engine.h"

#include <map>
#include <mutex>
#include <set>

#include <boost/asio/steady_timer.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/etcd_fixture.h"  // eventually()

namespace ninevolt::engine {
namespace {

using namespace std::chrono_literals;
using ninevolt::testing::eventually;

// Shared by all fake checks of a test: what they do, and what happened to them.
struct FakeWorld {
  std::mutex mu;
  std::map<std::string, std::chrono::milliseconds> run_time;    // default 1 ms
  std::map<std::string, std::vector<checks::Status>> outcomes;  // cycled; default ok
  std::map<std::string, int> created, started, cancelled, running, max_running;
  std::set<std::string> processes;  // checks that say they start a process
  int processes_running = 0, max_processes_running = 0;
};

class FakeCheck : public checks::Check {
 public:
  FakeCheck(std::string name, boost::asio::io_context& io, std::shared_ptr<FakeWorld> world)
      : name_(std::move(name)), timer_(io), world_(std::move(world)) {
    std::lock_guard lock(world_->mu);
    process_ = world_->processes.contains(name_);
  }
  ~FakeCheck() override { cancel(); }
  bool startsProcess() const override { return process_; }

  void start(DoneFn done) override {
    std::chrono::milliseconds t = 1ms;
    checks::Status status = checks::Status::kOk;
    {
      std::lock_guard lock(world_->mu);
      int n = world_->started[name_]++;
      if (world_->run_time.contains(name_)) {
        t = world_->run_time[name_];
      }
      auto& seq = world_->outcomes[name_];
      if (!seq.empty()) {
        status = seq[n % seq.size()];
      }
      int r = ++world_->running[name_];
      world_->max_running[name_] = std::max(world_->max_running[name_], r);
      if (process_) {
        world_->max_processes_running =
            std::max(world_->max_processes_running, ++world_->processes_running);
      }
    }
    busy_ = true;
    // A timer that already fired cannot be cancelled: its handler may still be queued when
    // the check is cancelled or destroyed. The token tells it to do nothing then.
    token_ = std::make_shared<bool>(true);
    timer_.expires_after(t);
    timer_.async_wait([this, done = std::move(done), status,
                       token = std::weak_ptr<bool>(token_)](const boost::system::error_code& ec) {
      if (ec || token.expired()) {
        return;
      }
      finish();
      done(checks::CheckResult{status, "fake " + std::string(checks::statusName(status))});
    });
  }

  void cancel() override {
    token_.reset();
    if (busy_) {
      timer_.cancel();
      finish();
      std::lock_guard lock(world_->mu);
      world_->cancelled[name_]++;
    }
  }

 private:
  void finish() {
    busy_ = false;
    std::lock_guard lock(world_->mu);
    world_->running[name_]--;
    if (process_) {
      world_->processes_running--;
    }
  }
  std::string name_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<FakeWorld> world_;
  bool busy_ = false;
  bool process_ = false;
  std::shared_ptr<bool> token_;
};

class FakeFactory : public checks::CheckFactory {
 public:
  explicit FakeFactory(std::shared_ptr<FakeWorld> world) : world_(std::move(world)) {}
  std::unique_ptr<checks::Check> create(const config::MonitorSpec& spec,
                                        boost::asio::io_context& io) const override {
    {
      std::lock_guard lock(world_->mu);
      world_->created[spec.name]++;
    }
    return std::make_unique<FakeCheck>(spec.name, io, world_);
  }

 private:
  std::shared_ptr<FakeWorld> world_;
};

config::MonitorSpec spec(const std::string& name, const std::string& interval,
                         nlohmann::json extra = nlohmann::json::object()) {
  nlohmann::json j{{"type", "exec"}, {"command", "/bin/true"}, {"interval", interval}};
  j.update(extra);
  config::Problems problems;
  auto s = config::parseMonitor(name, j, problems);
  EXPECT_TRUE(s) << (problems.empty() ? "" : problems[0].toString());
  return *s;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world_ = std::make_shared<FakeWorld>();
    auto registry = std::make_shared<checks::Registry>();
    registry->add(config::CheckType::kExec, std::make_unique<FakeFactory>(world_));
    registry->freeze();
    registry_ = registry;
    startEngine(256);
  }

  void startEngine(size_t max_processes) {
    engine_.reset();
    engine_ = std::make_unique<Engine>(Engine::Options{.workers = 2,
                                                       .max_processes = max_processes,
                                                       .registry = registry_,
                                                       .on_result = [this](const RunReport& r) {
                                                         std::lock_guard lock(mu_);
                                                         reports_[r.check].push_back(r);
                                                       }});
  }

  // The engine reports into reports_ until it is stopped: stop it before members go.
  void TearDown() override { engine_.reset(); }

  size_t runsOf(const std::string& name) {
    std::lock_guard lock(mu_);
    return reports_[name].size();
  }
  std::vector<RunReport> reportsOf(const std::string& name) {
    std::lock_guard lock(mu_);
    return reports_[name];
  }
  int worldCount(std::map<std::string, int>& m, const std::string& name) {
    std::lock_guard lock(world_->mu);
    return m[name];
  }

  std::shared_ptr<FakeWorld> world_;
  std::shared_ptr<const checks::Registry> registry_;
  std::unique_ptr<Engine> engine_;
  std::mutex mu_;
  std::map<std::string, std::vector<RunReport>> reports_;
};

TEST_F(EngineTest, RunsEveryCheckRepeatedlyOnTime) {
  for (int i = 0; i < 50; ++i) {
    engine_->upsert(spec("c" + std::to_string(i), "20ms"));
  }
  ASSERT_TRUE(eventually([&] {
    for (int i = 0; i < 50; ++i) {
      if (runsOf("c" + std::to_string(i)) < 10) {
        return false;
      }
    }
    return true;
  }));
  auto s = engine_->stats();
  EXPECT_EQ(s.checks, 50U);
  EXPECT_EQ(s.skipped, 0U);
  EXPECT_EQ(s.errors, 0U);
  for (const auto& r : reportsOf("c7")) {
    EXPECT_GE(r.lag.count(), 0);
    EXPECT_EQ(r.result.status, checks::Status::kOk);
    EXPECT_GT(r.result.duration.count(), 0);
  }
}

TEST_F(EngineTest, ProcessRunsAreCappedWhileOtherChecksKeepTheirSchedule) {
  startEngine(4);  // 2 workers: 2 process runs each at most
  for (int i = 0; i < 12; ++i) {
    std::string name = "p" + std::to_string(i);
    world_->processes.insert(name);
    world_->run_time[name] = 40ms;
    // 12 runs of 40 ms every 50 ms want ~10 at once: more than the cap.
    engine_->upsert(spec(name, "50ms"));
  }
  engine_->upsert(spec("t", "25ms"));
  ASSERT_TRUE(eventually([&] {
    for (int i = 0; i < 12; ++i) {
      if (runsOf("p" + std::to_string(i)) < 3) {
        return false;
      }
    }
    return runsOf("t") >= 12;
  }));
  {
    std::lock_guard lock(world_->mu);
    EXPECT_LE(world_->max_processes_running, 4);
    EXPECT_GE(world_->max_processes_running, 2);  // they did run side by side
  }
  EXPECT_GT(engine_->stats().skipped, 0U);  // overload shows as skipped process runs
  for (const auto& r : reportsOf("t")) {
    EXPECT_EQ(r.skipped, 0U);  // the cheap check was never held up behind them
  }
}

TEST_F(EngineTest, UnchangedUpsertKeepsTheRunningCheck) {
  engine_->upsert(spec("a", "10ms"));
  ASSERT_TRUE(eventually([&] { return runsOf("a") >= 3; }));
  engine_->upsert(spec("a", "10ms"));
  engine_->sync();
  EXPECT_EQ(worldCount(world_->created, "a"), 1);
  EXPECT_EQ(worldCount(world_->cancelled, "a"), 0);
}

TEST_F(EngineTest, ChangedSpecRestartsOnlyThatCheckAndKeepsItsState) {
  world_->outcomes["a"] = {checks::Status::kCritical};
  engine_->upsert(spec("a", "10ms", {{"critical-threshold", 0}}));
  engine_->upsert(spec("b", "10ms"));
  ASSERT_TRUE(eventually([&] { return runsOf("a") >= 3 && runsOf("b") >= 1; }));
  auto before = reportsOf("a");
  ASSERT_TRUE(before.front().transition);
  EXPECT_EQ(before.front().transition->to, state::CheckState::kCritical);

  engine_->upsert(spec("a", "15ms", {{"critical-threshold", 0}}));
  engine_->sync();
  size_t seen = runsOf("a");
  ASSERT_TRUE(eventually([&] { return runsOf("a") >= seen + 3; }));
  auto after = reportsOf("a");
  // The count went on from where it was; no second "entered critical".
  for (size_t i = seen; i < after.size(); ++i) {
    EXPECT_FALSE(after[i].transition) << i;
    EXPECT_EQ(after[i].state, state::CheckState::kCritical);
    EXPECT_EQ(after[i].count, after[i - 1].count + 1);
  }
  EXPECT_EQ(worldCount(world_->created, "a"), 2);
  EXPECT_EQ(worldCount(world_->created, "b"), 1);
}

TEST_F(EngineTest, RemoveDuringARunCancelsItWithNoCallback) {
  world_->run_time["slow"] = 300ms;
  engine_->upsert(spec("slow", "1s"));
  engine_->upsert(spec("clock", "5ms"));  // a second check as the test's clock
  ASSERT_TRUE(eventually([&] { return worldCount(world_->running, "slow") == 1; }));
  engine_->remove("slow");
  engine_->sync();
  EXPECT_EQ(worldCount(world_->cancelled, "slow"), 1);
  EXPECT_EQ(worldCount(world_->running, "slow"), 0);
  // Well past when the run would have ended (300 ms = 60 clock runs): no report ever came.
  size_t clock = runsOf("clock");
  ASSERT_TRUE(eventually([&] { return runsOf("clock") >= clock + 80; }));
  EXPECT_EQ(runsOf("slow"), 0U);
  EXPECT_EQ(engine_->stats().checks, 1U);
  EXPECT_EQ(engine_->stats().in_flight <= 1, true);
}

TEST_F(EngineTest, SlowRunIsNeverDoubledAndSkipsAreCounted) {
  world_->run_time["slow"] = 35ms;
  engine_->upsert(spec("slow", "10ms"));
  ASSERT_TRUE(eventually([&] { return runsOf("slow") >= 5; }));
  EXPECT_EQ(worldCount(world_->max_running, "slow"), 1);
  auto r = reportsOf("slow");
  EXPECT_GT(r.back().skipped, 0U);
  EXPECT_GT(engine_->stats().skipped, 0U);
}

TEST_F(EngineTest, SeedContinuesAMovedCheck) {
  world_->outcomes["moved"] = {checks::Status::kCritical, checks::Status::kOk};
  engine_->upsert(spec("moved", "10ms", {{"warning-threshold", 1}, {"critical-threshold", 3}}),
                  state::Seed{state::CheckState::kWarning, 2});
  ASSERT_TRUE(eventually([&] { return runsOf("moved") >= 2; }));
  auto r = reportsOf("moved");
  ASSERT_TRUE(r[0].transition);
  EXPECT_EQ(r[0].transition->from, state::CheckState::kWarning);
  EXPECT_EQ(r[0].transition->to, state::CheckState::kCritical);
  EXPECT_EQ(r[0].count, 3);
  ASSERT_TRUE(r[1].transition);
  EXPECT_EQ(r[1].transition->to, state::CheckState::kOk);
}

TEST_F(EngineTest, DisabledSpecIsRemoved) {
  engine_->upsert(spec("d", "10ms"));
  ASSERT_TRUE(eventually([&] { return runsOf("d") >= 1; }));
  engine_->upsert(spec("d", "10ms", {{"disable", true}}));
  engine_->sync();
  EXPECT_EQ(engine_->stats().checks, 0U);
}

TEST_F(EngineTest, ManyDueTogetherAreStartedInTurnsAndAllRun) {
  // 2,000 checks at 2 ms: far more due per wake-up than one turn starts.
  for (int i = 0; i < 2000; ++i) {
    engine_->upsert(spec("m" + std::to_string(i), "2ms"));
  }
  ASSERT_TRUE(eventually(
      [&] {
        for (int i = 0; i < 2000; i += 97) {
          if (runsOf("m" + std::to_string(i)) < 3) {
            return false;
          }
        }
        return true;
      },
      std::chrono::seconds(20)));
  // Removing checks that are running or waiting to start keeps the books straight.
  for (int i = 0; i < 2000; i += 2) {
    engine_->remove("m" + std::to_string(i));
  }
  engine_->sync();
  auto s = engine_->stats();
  EXPECT_EQ(s.checks, 1000U);
  EXPECT_LE(s.in_flight, 1000U);  // an underflow would wrap to a huge number
  EXPECT_EQ(s.errors, 0U);
}

TEST(RunOnce, RunsEachSpecOnceAndReportsMissingTypes) {
  auto world = std::make_shared<FakeWorld>();
  world->outcomes["bad"] = {checks::Status::kCritical};
  checks::Registry registry;
  registry.add(config::CheckType::kExec, std::make_unique<FakeFactory>(world));
  config::Problems p;
  auto tcp = config::parseMonitor(
      "tcp", {{"type", "tcp"}, {"host", "127.0.0.1"}, {"port", 1}, {"interval", "1s"}}, p);
  ASSERT_TRUE(tcp);
  auto results = runOnce(registry, {spec("good", "1s"), spec("bad", "1s"), *tcp});
  ASSERT_EQ(results.size(), 3U);
  EXPECT_EQ(results[0].status, checks::Status::kOk);
  EXPECT_EQ(results[1].status, checks::Status::kCritical);
  EXPECT_EQ(results[2].status, checks::Status::kUnknown);
  EXPECT_THAT(results[2].message, ::testing::HasSubstr("no check implementation"));
}

}  // namespace
}  // namespace ninevolt::engine
