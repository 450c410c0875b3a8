// Engine with fake checks (real loops and timers, no targets): scheduling, updates,
// removal during a run, overlap, seeds.
#include "engine/engine.h"

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include <boost/asio/steady_timer.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/duration.h"
#include "engine/scheduler.h"
#include "support/check_types.h"
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
  std::map<std::string, std::string> messages;                  // default "fake <status>"
  std::map<std::string, int> created, started, cancelled, running, max_running;
  std::set<std::string> processes;   // checks that say they start a process
  std::set<std::string> no_verdict;  // checks whose runs give no verdict (noVerdict)
  int processes_running = 0, max_processes_running = 0;
  // Optional: runs due and not started (EngineStats::waiting), read when a check starts.
  std::function<uint64_t()> waiting;
  struct Beside {
    int processes_running;
    uint64_t waiting;
  };
  std::map<std::string, std::vector<Beside>> beside;  // non-process starts: what else was going
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
    std::string message;
    bool verdict = true;
    std::function<uint64_t()> waiting;
    {
      std::lock_guard lock(world_->mu);
      waiting = world_->waiting;
    }
    // Outside the world's lock: the probe reads the engine's counters.
    const uint64_t waiting_now = waiting && !process_ ? waiting() : 0;
    {
      std::lock_guard lock(world_->mu);
      int n = world_->started[name_]++;
      verdict = !world_->no_verdict.contains(name_);
      if (world_->run_time.contains(name_)) {
        t = world_->run_time[name_];
      }
      auto& seq = world_->outcomes[name_];
      if (!seq.empty()) {
        status = seq[n % seq.size()];
      }
      message = world_->messages.contains(name_)
                    ? world_->messages[name_]
                    : "fake " + std::string(checks::statusName(status));
      int r = ++world_->running[name_];
      world_->max_running[name_] = std::max(world_->max_running[name_], r);
      if (process_) {
        world_->max_processes_running =
            std::max(world_->max_processes_running, ++world_->processes_running);
      } else {
        world_->beside[name_].push_back({world_->processes_running, waiting_now});
      }
    }
    busy_ = true;
    // A timer that already fired cannot be cancelled: its handler may still be queued when
    // the check is cancelled or destroyed. The token tells it to do nothing then.
    token_ = std::make_shared<bool>(true);
    timer_.expires_after(t);
    timer_.async_wait([this, done = std::move(done), status, verdict, message = std::move(message),
                       token = std::weak_ptr<bool>(token_)](const boost::system::error_code& ec) {
      if (ec || token.expired()) {
        return;
      }
      finish();
      done(verdict ? checks::CheckResult{status, message}
                   : checks::CheckResult::noVerdict(message));
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
  std::unique_ptr<checks::Check> create(const config::SharedMonitor& spec,
                                        boost::asio::io_context& io) const override {
    {
      std::lock_guard lock(world_->mu);
      world_->created[spec->name]++;
    }
    return std::make_unique<FakeCheck>(spec->name, io, world_);
  }

 private:
  std::shared_ptr<FakeWorld> world_;
};

// Config accepts intervals of 100 ms and more; these tests run checks every few ms to see
// many runs quickly (the engine's own floor is 1 ms, Scheduler::kMinInterval). So the spec
// is parsed with a valid interval and then given the test's, in the parsed field and in the
// JSON the engine compares to tell a changed spec.
// The specs are exec monitors, run by FakeFactory (the engine does not look at the type); a
// build without exec (NINEVOLT_CHECK_TYPES) makes them tcp monitors, which every build with
// tests has.
const bool kExec = ninevolt::testing::checkTypeBuilt("exec");
const char* const kType = kExec ? "exec" : "tcp";

config::MonitorSpec spec(const std::string& name, const std::string& interval,
                         nlohmann::json extra = nlohmann::json::object()) {
  nlohmann::json j =
      kExec ? nlohmann::json{{"type", "exec"}, {"command", "/bin/true"}, {"interval", "1s"}}
            : nlohmann::json{{"type", "tcp"}, {"host", "127.0.0.1"}, {"port", 1}, {"interval", "1s"}};
  j.update(extra);
  config::Problems problems;
  auto s = config::parseMonitor(name, j, problems);
  EXPECT_TRUE(s) << (problems.empty() ? "" : problems[0].toString());
  auto iv = common::parseDuration(interval);
  EXPECT_TRUE(iv) << interval;
  s->interval = *iv;
  s->raw["interval"] = interval;
  return *s;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world_ = std::make_shared<FakeWorld>();
    auto registry = std::make_shared<checks::Registry>();
    registry->add(kType, std::make_unique<FakeFactory>(world_));
    registry->freeze();
    registry_ = registry;
    startEngine(256);
  }

  void startEngine(size_t max_processes, size_t workers = 2) {
    engine_.reset();
    engine_ = std::make_unique<Engine>(Engine::Options{.workers = workers,
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

TEST_F(EngineTest, RunsEveryCheckRepeatedly) {
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
  EXPECT_EQ(s.errors, 0U);
  // Whether a due time was skipped depends on how busy the machine is (a loop descheduled
  // for 20 ms skips one): not asserted. Never doubled, whatever the load:
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(worldCount(world_->max_running, "c" + std::to_string(i)), 1) << i;
  }
  for (const auto& r : reportsOf("c7")) {
    EXPECT_GE(r.lag.count(), 0);
    EXPECT_EQ(r.result.status, checks::Status::kOk);
    EXPECT_GT(r.result.duration.count(), 0);
  }
}

TEST_F(EngineTest, ARunWithoutAVerdictLeavesTheStateAsItWas) {
  {
    std::lock_guard lock(world_->mu);
    world_->outcomes["n"] = {checks::Status::kCritical};
    world_->no_verdict.insert("n");
  }
  engine_->upsert(spec("n", "10ms"));
  // Runs happen, and none reaches the state machine or the consumer (no alert, no state).
  ASSERT_TRUE(eventually([&] { return worldCount(world_->started, "n") >= 5; }));
  EXPECT_EQ(runsOf("n"), 0U);
  {
    std::lock_guard lock(world_->mu);
    world_->no_verdict.clear();
  }
  // Judged again: the first failure counts from where the state was (count 1, not 6).
  ASSERT_TRUE(eventually([&] { return runsOf("n") >= 1; }));
  auto first = reportsOf("n").front();
  EXPECT_EQ(first.count, 1);
  ASSERT_TRUE(first.transition);
  EXPECT_EQ(first.transition->to, state::CheckState::kCritical);
}

TEST_F(EngineTest, ProcessRunsAreCappedWhileOtherChecksKeepRunning) {
  // One loop, 2 process runs at once at most.
  constexpr int kCap = 2;
  startEngine(kCap, 1);
  {
    std::lock_guard lock(world_->mu);
    // The engine itself, not engine_ (reset() nulls that before the engine has stopped);
    // its workers are joined before any of its members go.
    world_->waiting = [e = engine_.get()] { return e->stats().waiting; };
  }
  for (int i = 0; i < 12; ++i) {
    std::string name = "p" + std::to_string(i);
    {
      std::lock_guard lock(world_->mu);
      world_->processes.insert(name);
      world_->run_time[name] = 40ms;
    }
    // 12 runs of at least 40 ms due every 50 ms want ~10 at once: far more than the cap,
    // however fast or slow the machine, so process runs are always waiting.
    engine_->upsert(spec(name, "50ms"));
  }
  engine_->upsert(spec("t", "25ms"));
  // The cheap check keeps starting while every process slot is taken and process runs
  // wait: it does not queue behind them. (That it starts on time is a timing claim; on a
  // loaded machine any run may be late, so it is not asserted here.)
  auto starvedButRan = [&] {
    std::lock_guard lock(world_->mu);
    return std::count_if(
        world_->beside["t"].begin(), world_->beside["t"].end(),
        [&](const FakeWorld::Beside& b) { return b.processes_running == kCap && b.waiting > 0; });
  };
  ASSERT_TRUE(eventually([&] {
    for (int i = 0; i < 12; ++i) {
      if (runsOf("p" + std::to_string(i)) < 3) {
        return false;
      }
    }
    return starvedButRan() >= 5;
  }));
  {
    std::lock_guard lock(world_->mu);
    EXPECT_LE(world_->max_processes_running, kCap);  // the cap is never exceeded
    EXPECT_EQ(world_->max_processes_running, kCap);  // and is used
  }
  // More process runs are due than the cap lets through: the surplus is skipped and counted
  // (at most 2 runs per 40 ms against 12 due every 50 ms), whatever the load.
  EXPECT_GT(engine_->stats().skipped, 0U);
  // Nothing was doubled.
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(worldCount(world_->max_running, "p" + std::to_string(i)), 1) << i;
  }
}

// Issue 11: a target answering with bytes that are not UTF-8 (a Latin-1 plugin, a binary
// banner) must not reach the state, the API or etcd as such: JSON cannot carry them.
TEST_F(EngineTest, AResultMessageThatIsNotUtf8IsEscaped) {
  {
    std::lock_guard lock(world_->mu);
    world_->messages["latin1"] = "temp\xe9rature \x01ok";
  }
  engine_->upsert(spec("latin1", "200ms"));
  ASSERT_TRUE(eventually([&] { return runsOf("latin1") >= 1; }));
  auto reports = reportsOf("latin1");
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports[0].result.message, "temp\\xe9rature \\x01ok");
  EXPECT_NO_THROW((void)nlohmann::json(reports[0].result.message).dump());
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

// A lost lease: every check goes at once, a run in flight is cancelled with no callback, and
// an upsert asked for just before is not left behind.
TEST_F(EngineTest, RemoveAllStopsEveryCheckAndCancelsRunsInFlight) {
  world_->run_time["slow"] = 300ms;
  engine_->upsert(spec("slow", "1s"));
  for (int i = 0; i < 5; ++i) {
    engine_->upsert(spec("f" + std::to_string(i), "5ms"));
  }
  ASSERT_TRUE(eventually([&] { return worldCount(world_->running, "slow") == 1; }));
  engine_->upsert(spec("late", "5ms"));
  engine_->removeAll();
  engine_->sync();
  EXPECT_EQ(engine_->stats().checks, 0U);
  EXPECT_EQ(worldCount(world_->cancelled, "slow"), 1);
  std::map<std::string, size_t> before;
  for (const char* name : {"slow", "f0", "f4", "late"}) {
    before[name] = runsOf(name);
  }
  // A new check as the clock: 80 of its runs (400 ms) later nothing removed ran or reported.
  engine_->upsert(spec("clock", "5ms"));
  ASSERT_TRUE(eventually([&] { return runsOf("clock") >= 80; }));
  for (const auto& [name, runs] : before) {
    EXPECT_EQ(runsOf(name), runs) << name;
  }
  EXPECT_EQ(engine_->stats().checks, 1U);
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

TEST_F(EngineTest, AOneNanosecondIntervalNeitherStopsTheOtherChecksNorOutlivesRemove) {
  startEngine(256, 1);  // every check on the same loop
  auto fast = spec("spin", "1s");
  // Config refuses it (100 ms at least); the engine must hold whatever reaches it.
  fast.interval = 1ns;
  fast.raw["interval"] = "1ns";
  engine_->upsert(fast);
  engine_->upsert(spec("a", "10ms"));
  engine_->upsert(spec("b", "15ms"));
  ASSERT_TRUE(eventually([&] { return runsOf("spin") >= 20 && runsOf("a") >= 5; }));
  // The others keep running beside it, and so does it (at the engine's floor).
  const size_t a = runsOf("a");
  const size_t b = runsOf("b");
  const size_t spun = runsOf("spin");
  ASSERT_TRUE(eventually(
      [&] { return runsOf("a") >= a + 10 && runsOf("b") >= b + 10 && runsOf("spin") > spun; }));
  // The loop answers /metrics.
  std::string text;
  engine_->renderCheckMetrics(text, 60s);
  EXPECT_THAT(text, ::testing::HasSubstr(R"(ninevolt_check_runs_total{check="spin")"));
  EXPECT_THAT(text, ::testing::HasSubstr(R"(ninevolt_check_runs_total{check="a")"));
  // remove() takes it out: no run after, the others go on.
  engine_->remove("spin");
  engine_->sync();
  const size_t spin_removed = runsOf("spin");
  EXPECT_EQ(engine_->stats().checks, 2U);
  const size_t b_removed = runsOf("b");
  ASSERT_TRUE(eventually([&] { return runsOf("b") >= b_removed + 10; }));
  EXPECT_EQ(runsOf("spin"), spin_removed);
  EXPECT_EQ(worldCount(world_->running, "spin"), 0);
  // And the engine stops when told (a spinning loop never got to the stop).
  engine_->upsert(fast);
  ASSERT_TRUE(eventually([&] { return runsOf("spin") > spin_removed; }));
  engine_.reset();
}

TEST_F(EngineTest, ACheckArrivingOverdueRunsAtOnceAndOneThatRanRecentlyWaitsForItsPhase) {
  // A day's interval: at its phase, a first run is most likely hours away.
  const auto steady = [] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  };
  const int64_t t0 = steady();  // before the engine sees them
  const auto wall = std::chrono::system_clock::now();
  engine_->upsert(spec("overdue", "24h"), std::nullopt, wall - 25h);  // its member died
  engine_->upsert(spec("recent", "24h"), std::nullopt, wall - 1h);    // moved from a live one
  engine_->upsert(spec("unknown", "24h"));                            // a new monitor
  ASSERT_TRUE(eventually([&] { return runsOf("overdue") >= 1; }));
  engine_->upsert(spec("clock", "5ms"));
  ASSERT_TRUE(eventually([&] { return runsOf("clock") >= 20; }));  // 100 ms at least
  // No slot of their phase has come since t0 (the engine's clock): so the overdue check ran
  // once, at once, and the others not at all. (If a slot did come meanwhile, which happens
  // about once in 10^6 runs, nothing can be told apart.)
  for (const char* name : {"overdue", "recent", "unknown"}) {
    if (steady() < Scheduler::firstDue(name, 24h, t0)) {
      EXPECT_EQ(runsOf(name), std::string(name) == "overdue" ? 1U : 0U) << name;
    }
  }
  EXPECT_GE(runsOf("overdue"), 1U);
}

TEST(RunOnce, RunsEachSpecOnceAndReportsMissingTypes) {
  NV_REQUIRE_CHECK_TYPES("exec", "tcp");
  auto world = std::make_shared<FakeWorld>();
  world->outcomes["bad"] = {checks::Status::kCritical};
  checks::Registry registry;
  registry.add("exec", std::make_unique<FakeFactory>(world));
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
