// Checks arriving at a member in numbers (more than read one by one, fewer than a whole-prefix
// read: the batched point reads) start with their spec and with the state their previous
// owner left, from the state key or from an open incident, both when the member starts and
// when its assignments grow later.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "checks/exec/exec_check.h"
#include "cluster/manager.h"
#include "common/clock.h"
#include "engine/scheduler.h"
#include "support/etcd_fixture.h"

namespace ninevolt {
namespace {

using namespace std::chrono_literals;
using ninevolt::testing::eventually;
using ::testing::HasSubstr;
using ::testing::Not;

class ManagerPrefetchTest : public ninevolt::testing::EtcdTest {
 protected:
  // What the default logger writes while this lives. A ring buffer: text() reads it under
  // the sink's own lock while other threads may be logging.
  class LogCapture {
   public:
    LogCapture() { spdlog::default_logger()->sinks().push_back(sink_); }
    ~LogCapture() { std::erase(spdlog::default_logger()->sinks(), sink_); }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;
    std::string text() const {
      std::string all;
      for (const auto& line : sink_->last_formatted()) {
        all += line;
      }
      return all;
    }

   private:
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_ =
        std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(10000);
  };

  void SetUp() override {
    EtcdTest::SetUp();
    store_ = std::make_shared<store::Store>(client_, "/9volt");
    auto registry = std::make_shared<checks::Registry>();
    registry->add("exec", checks::makeExecCheckFactory());
    registry->freeze();
    engine_ = std::make_shared<engine::Engine>(engine::Engine::Options{
        .workers = 1, .registry = registry, .on_result = [this](const engine::RunReport& r) {
          std::lock_guard lock(mu_);
          first_.try_emplace(r.check, r);
        }});
  }
  void TearDown() override {
    if (manager_) {
      boost::asio::post(io_, [this] { manager_->stopAll(); });
      io_.run_for(1s);
    }
    // The manager holds the engine too: both go here, so that the engine's workers stop
    // before first_ (declared after them, so destroyed first) is gone.
    manager_.reset();
    engine_.reset();
    EtcdTest::TearDown();
  }

  // `count` failing checks named <prefix>NNN in one shard of member m2; even ones leave a
  // critical state key (count 3), odd ones an ok state key and an open critical incident
  // (count 5) that is fresher.
  std::vector<std::string> putChecks(const std::string& prefix, size_t count,
                                     const std::string& shard) {
    std::vector<std::string> names;
    const auto& keys = store_->keys();
    for (size_t i = 0; i < count; ++i) {
      const std::string name = fmt::format("{}{:03d}", prefix, i);
      names.push_back(name);
      put(keys.monitor(name), {{"type", "exec"}, {"command", "/bin/false"}, {"interval", "1s"}});
      if (i % 2 == 0) {
        put(keys.state(name), {{"check", name}, {"status", "critical"}, {"count", 3}});
      } else {
        put(keys.state(name), {{"check", name}, {"status", "ok"}, {"count", 0}});
        put(keys.incident(name), {{"check", name},
                                  {"id", "1-m1"},
                                  {"seq", 1},
                                  {"status", "critical"},
                                  {"resolved", false},
                                  {"count", 5},
                                  {"alerters", nlohmann::json::object()}});
      }
    }
    put(keys.assignmentShard("m2", shard), nlohmann::json(names));
    return names;
  }

  void put(const std::string& key, const nlohmann::json& j) {
    ASSERT_TRUE(client_->put(key, j.dump()));
  }

  // Runs the cluster loop until every name has reported a first run.
  bool waitForFirstRuns(const std::vector<std::string>& names) {
    return eventually(
        [&] {
          io_.run_for(20ms);
          std::lock_guard lock(mu_);
          for (const auto& n : names) {
            if (!first_.contains(n)) {
              return false;
            }
          }
          return true;
        },
        20s);
  }

  void expectContinued(const std::vector<std::string>& names) {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < names.size(); ++i) {
      const auto& r = first_.at(names[i]);
      EXPECT_EQ(r.state, state::CheckState::kCritical) << names[i];
      EXPECT_EQ(r.count, i % 2 == 0 ? 4 : 6) << names[i];  // went on from 3 / the incident's 5
      EXPECT_FALSE(r.transition) << names[i];
    }
  }

  boost::asio::io_context io_;
  // The watches post into io_ from their threads: without work io_ would stop (and stay
  // stopped) whenever it ran out of handlers between two run_for().
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::shared_ptr<store::Store> store_;
  std::shared_ptr<engine::Engine> engine_;
  std::unique_ptr<cluster::Manager> manager_;
  std::mutex mu_;
  std::map<std::string, engine::RunReport> first_;
};

// A monitor is parsed once, by the manager, into one immutable spec that the engine runs and
// the alert dispatcher asks for (monitorOf): an invalid edit keeps that very object, a valid
// one replaces it in both, and a check that leaves takes its spec with it.
TEST_F(ManagerPrefetchTest, ASpecIsParsedOnceAndSharedByTheManagerAndTheEngine) {
  const auto& keys = store_->keys();
  put(keys.monitor("w"),
      {{"type", "exec"}, {"command", "/bin/false"}, {"interval", "1s"}, {"description", "first"}});
  put(keys.assignmentShard("m2", "00"), nlohmann::json::array({"w"}));
  auto rejected = std::make_shared<std::atomic<int>>(0);
  manager_ = std::make_unique<cluster::Manager>(
      io_, store_, engine_,
      cluster::Manager::Options{
          .member_id = "m2",
          .on_rejected = [rejected](const std::string&, const std::string&) { ++*rejected; }});
  boost::asio::post(io_, [this] { manager_->start(); });
  ASSERT_TRUE(waitForFirstRuns({"w"}));
  engine_->sync();
  config::SharedMonitor running = manager_->monitorOf("w");
  ASSERT_TRUE(running);
  EXPECT_EQ(running->description, "first");
  EXPECT_TRUE(running->raw.is_null());  // the JSON tree is not kept once parsed
  // The manager's, the engine's, the exec check's (an exec run reads the spec itself: no
  // copy) and this one.
  EXPECT_EQ(running.use_count(), 4);
  std::weak_ptr<const config::MonitorSpec> first = running;
  running.reset();

  put(keys.monitor("w"), {{"type", "exec"}, {"interval", "1s"}});  // no command: invalid
  ASSERT_TRUE(eventually([&] {
    io_.run_for(20ms);
    return rejected->load() == 1;
  }));
  engine_->sync();
  EXPECT_EQ(manager_->monitorOf("w"), first.lock());  // still running the last good spec

  put(keys.monitor("w"),
      {{"type", "exec"}, {"command", "/bin/false"}, {"interval", "1s"}, {"description", "second"}});
  ASSERT_TRUE(eventually([&] {
    io_.run_for(20ms);
    engine_->sync();
    return first.expired();  // neither the manager nor the engine holds it
  }));
  running = manager_->monitorOf("w");
  ASSERT_TRUE(running);
  EXPECT_EQ(running->description, "second");
  std::weak_ptr<const config::MonitorSpec> second = running;
  running.reset();

  put(keys.assignmentShard("m2", "00"), nlohmann::json::array());
  ASSERT_TRUE(eventually([&] {
    io_.run_for(20ms);
    engine_->sync();
    return manager_->monitorOf("w") == nullptr && second.expired();
  }));
  EXPECT_EQ(rejected->load(), 1);
}

TEST_F(ManagerPrefetchTest, ManyArrivingChecksStartWithTheirSavedState) {
  static_assert(cluster::Manager::kPrefetchBatched > 140);
  auto at_start = putChecks("a", 100, "00");  // > kPrefetchOneByOne: batched at start
  // Shared with the callback: the manager outlives this body (TearDown stops it).
  auto arrived = std::make_shared<std::vector<std::string>>();
  manager_ = std::make_unique<cluster::Manager>(
      io_, store_, engine_,
      cluster::Manager::Options{.member_id = "m2",
                                .on_arrived = [arrived](const std::vector<std::string>& n,
                                                        const std::map<std::string, state::Seed>&) {
                                  arrived->insert(arrived->end(), n.begin(), n.end());
                                }});
  boost::asio::post(io_, [this] { manager_->start(); });
  ASSERT_TRUE(waitForFirstRuns(at_start));
  expectContinued(at_start);

  auto later = putChecks("b", 40, "01");  // and through the assignments watch
  ASSERT_TRUE(waitForFirstRuns(later));
  expectContinued(later);
  EXPECT_EQ(manager_->owned().size(), 140u);
  EXPECT_EQ(arrived->size(), 140u);
}

// Past whole_prefix_above the monitor, state and incident prefixes are read whole, in pages
// (here 7 keys, so every prefix takes many pages): every arriving check still starts with
// its spec and the state its previous owner left, and checks of another member (not
// assigned here) are neither read into the engine nor run.
TEST_F(ManagerPrefetchTest, ManyMoreArrivingChecksAreReadWithTheWholePrefixesInPages) {
  auto mine = putChecks("a", 60, "00");
  for (int i = 0; i < 20; ++i) {  // someone else's: in the prefixes, not in m2's shards
    put(store_->keys().monitor(fmt::format("z{:03d}", i)),
        {{"type", "exec"}, {"command", "/bin/false"}, {"interval", "1s"}});
  }
  LogCapture log;
  manager_ = std::make_unique<cluster::Manager>(
      io_, store_, engine_,
      cluster::Manager::Options{
          .member_id = "m2", .whole_prefix_above = 40, .prefix_page_size = 7});
  boost::asio::post(io_, [this] { manager_->start(); });
  ASSERT_TRUE(waitForFirstRuns(mine));
  expectContinued(mine);
  auto later = putChecks("b", 50, "01");  // through the assignments watch, the same way
  ASSERT_TRUE(waitForFirstRuns(later));
  expectContinued(later);
  EXPECT_EQ(manager_->owned().size(), 110U);
  EXPECT_EQ(engine_->stats().checks, 110U);
  // Read whole both times (not in batches after a failed read).
  EXPECT_THAT(log.text(), HasSubstr("60 arriving check(s) read with the whole prefixes"));
  EXPECT_THAT(log.text(), HasSubstr("50 arriving check(s) read with the whole prefixes"));
  EXPECT_THAT(log.text(), Not(HasSubstr("failed")));
  std::lock_guard lock(mu_);
  for (const auto& [name, report] : first_) {
    EXPECT_NE(name[0], 'z') << name;
  }
}

// A placement comes in several txns, each its own watch update: updates arriving close
// together are gathered and applied at once, so the arriving checks are read once (here
// with the whole prefixes: one read for the three shards, not three).
TEST_F(ManagerPrefetchTest, AssignmentUpdatesInQuickSuccessionAreReadTogether) {
  LogCapture log;
  auto calls = std::make_shared<std::vector<size_t>>();  // names per on_arrived call
  manager_ = std::make_unique<cluster::Manager>(
      io_, store_, engine_,
      cluster::Manager::Options{
          .member_id = "m2",
          .on_arrived =
              [calls](const std::vector<std::string>& n,
                      const std::map<std::string, state::Seed>&) { calls->push_back(n.size()); },
          .whole_prefix_above = 40,
          .prefix_page_size = 7,
          // Wide enough that three shard writes a few hundred ms apart on a busy machine
          // still fall in one gathering.
          .assignments_gather = 3s,
          .assignments_gather_max = 20s});
  boost::asio::post(io_, [this] { manager_->start(); });
  ASSERT_TRUE(eventually([&] {
    io_.run_for(20ms);
    return log.text().find("owns 0 check(s)") != std::string::npos;
  }));
  std::vector<std::string> all;
  for (const char* shard : {"00", "01", "02"}) {
    auto names = putChecks(std::string("s") + shard + "-", 20, shard);
    all.insert(all.end(), names.begin(), names.end());
    io_.run_for(300ms);  // the loop runs between the writes, as it would in a member
  }
  ASSERT_TRUE(waitForFirstRuns(all));
  EXPECT_EQ(*calls, std::vector<size_t>{60});
  EXPECT_THAT(log.text(), HasSubstr("60 arriving check(s) read with the whole prefixes"));
  EXPECT_THAT(log.text(), HasSubstr("owns 60 check(s) (+60 -0)"));
  EXPECT_EQ(manager_->owned().size(), 60U);
}

// etcd stops answering just as checks arrive (here: stopped with SIGSTOP right before the
// reads). None of them starts without its spec and saved state, and nothing waits out a
// deadline per check: the reads give up at the first one etcd does not answer, and the
// arrivals are read again shortly, when etcd is back. One by one (5), in batches (50) and
// with the whole prefixes (60).
TEST_F(ManagerPrefetchTest, ArrivingChecksWhoseReadsFailStartLaterWithTheirState) {
  const pid_t etcd_pid = etcd_->pid();
  struct Thaw {  // whatever happens, etcd runs again before TearDown
    pid_t pid;
    ~Thaw() { kill(pid, SIGCONT); }
  } thaw{etcd_pid};
  etcd::ClientOptions quick;
  quick.call_timeout = 1s;
  auto member_store = std::make_shared<store::Store>(newClient(quick), "/9volt");
  LogCapture log;
  auto freeze_next = std::make_shared<bool>(false);
  auto frozen = std::make_shared<bool>(false);
  manager_ = std::make_unique<cluster::Manager>(
      io_, member_store, engine_,
      cluster::Manager::Options{.member_id = "m2",
                                .whole_prefix_above = 55,
                                .arrival_retry = 200ms,
                                .before_arrival_reads = [=] {
                                  if (std::exchange(*freeze_next, false)) {
                                    kill(etcd_pid, SIGSTOP);
                                    *frozen = true;
                                  } else if (std::exchange(*frozen, false)) {
                                    kill(etcd_pid, SIGCONT);
                                  }
                                }});
  boost::asio::post(io_, [this] { manager_->start(); });
  io_.run_for(100ms);
  size_t owned = 0;
  int round = 0;
  for (const size_t n : {5, 50, 60}) {
    SCOPED_TRACE(fmt::format("{} arriving checks", n));
    *freeze_next = true;
    auto names = putChecks(fmt::format("r{}-", round), n, fmt::format("0{}", round));
    round++;
    ASSERT_TRUE(waitForFirstRuns(names));
    expectContinued(names);  // their saved state, read once etcd was back
    owned += n;
    EXPECT_EQ(manager_->owned().size(), owned);
    EXPECT_FALSE(*frozen);
  }
  EXPECT_THAT(log.text(), HasSubstr("5 arriving check(s) not started: etcd did not answer"));
  EXPECT_THAT(log.text(), HasSubstr("50 arriving check(s) not started: etcd did not answer"));
  EXPECT_THAT(log.text(), HasSubstr("60 arriving check(s) not started: etcd did not answer"));
}

// Who ran an arriving check last decides whether it runs at once (issue 11, failover gap):
// its previous owner gone (not a member, or this member in an earlier life) and its state
// key's date over one interval old -> at once; moved from a live member, ran recently, or
// no state -> at its phase. Checks every 24 h, so "at its phase" is hours away.
TEST_F(ManagerPrefetchTest, ArrivingChecksWhoseOwnerIsGoneAndMissedARunRunAtOnce) {
  const auto& keys = store_->keys();
  ASSERT_TRUE(client_->put(keys.member("m1"), R"({"id":"m1"})"));  // alive (no lease needed)
  const auto now = std::chrono::system_clock::now();
  const std::string old_date = common::formatRfc3339(now - 25h);
  const std::string recent = common::formatRfc3339(now - 1h);
  struct Case {
    const char* prefix;
    const char* owner;  // "" = no state key
    std::string date;
    bool at_once;
  };
  const std::vector<Case> cases{
      {"gone", "m9", old_date, true},          // its member died
      {"self", "m2", old_date, true},          // this member, before a restart
      {"live", "m1", old_date, false},         // moved from a live member: it ran until now
      {"recent", "m9", recent, false},         // ran within its interval
      {"nostate", "", "", false},              // a new monitor
      {"baddate", "m9", "yesterday", false}};  // garbage in etcd: unknown
  auto put = [&](const std::string& prefix, size_t n, const std::string& shard) {
    std::map<std::string, bool> want;
    std::vector<std::string> names;
    for (const auto& c : cases) {
      for (size_t i = 0; i < n; ++i) {
        const std::string name = fmt::format("{}{}-{:02d}", c.prefix, prefix, i);
        names.push_back(name);
        want[name] = c.at_once;
        this->put(keys.monitor(name),
                  {{"type", "exec"}, {"command", "/bin/true"}, {"interval", "24h"}});
        if (*c.owner != '\0') {
          this->put(keys.state(name), {{"check", name},
                                       {"owner", c.owner},
                                       {"status", "ok"},
                                       {"count", 0},
                                       {"date", c.date}});
        }
      }
    }
    this->put(keys.assignmentShard("m2", shard), nlohmann::json(names));
    return want;
  };
  const auto steady = [] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  };
  auto expectOnly = [&](const std::map<std::string, bool>& want, int64_t t0) {
    std::vector<std::string> at_once;
    for (const auto& [name, yes] : want) {
      if (yes) {
        at_once.push_back(name);
      }
    }
    ASSERT_TRUE(waitForFirstRuns(at_once));
    // The others have not run, unless their phase came meanwhile (about once in 10^5 runs
    // of this test: then nothing can be told apart).
    std::lock_guard lock(mu_);
    for (const auto& [name, yes] : want) {
      if (!yes && steady() < engine::Scheduler::firstDue(name, 24h, t0)) {
        EXPECT_FALSE(first_.contains(name)) << name << " ran at once";
      }
    }
  };
  // A few at start (read one by one), then more through the assignments watch (batched).
  const int64_t t0 = steady();
  auto first = put("a", 1, "00");
  manager_ = std::make_unique<cluster::Manager>(io_, store_, engine_,
                                                cluster::Manager::Options{.member_id = "m2"});
  boost::asio::post(io_, [this] { manager_->start(); });
  expectOnly(first, t0);
  static_assert(cluster::Manager::kPrefetchOneByOne < 6 * 8);
  const int64_t t1 = steady();
  auto more = put("b", 8, "01");
  expectOnly(more, t1);
}

}  // namespace
}  // namespace ninevolt
