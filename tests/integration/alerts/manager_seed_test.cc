// A check arrives at a member whose previous owner alerted (incident open, critical, count
// 5) but died before its batched state write: the state key still says ok. The manager must
// seed from the incident, so the check goes on failing (no second "entered critical") and
// its recovery will resolve.
#include <mutex>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "checks/exec/exec_check.h"
#include "cluster/manager.h"
#include "common/clock.h"
#include "support/etcd_fixture.h"

namespace ninevolt {
namespace {

using namespace std::chrono_literals;
using ninevolt::testing::eventually;

class ManagerSeedTest : public ninevolt::testing::EtcdTest {
 protected:
  void SetUp() override {
    EtcdTest::SetUp();
    store_ = std::make_shared<store::Store>(client_, "/9volt");
    auto registry = std::make_shared<checks::Registry>();
    registry->add("exec", checks::makeExecCheckFactory());
    registry->freeze();
    engine_ = std::make_shared<engine::Engine>(engine::Engine::Options{
        .workers = 1, .registry = registry, .on_result = [this](const engine::RunReport& r) {
          std::lock_guard lock(mu_);
          reports_.push_back(r);
        }});
  }
  void TearDown() override {
    if (manager_) {
      boost::asio::post(io_, [this] { manager_->stopAll(); });
      io_.run_for(1s);
    }
    // The manager holds the engine too: both go here, so that the engine's workers are
    // joined before reports_ (declared after them, so destroyed first) is gone. (TSan
    // caught a worker's on_result writing into the freed reports_.)
    manager_.reset();
    engine_.reset();
    EtcdTest::TearDown();
  }

  void put(const std::string& key, const nlohmann::json& j) {
    ASSERT_TRUE(client_->put(key, j.dump()));
  }

  void runManager() {
    manager_ = std::make_unique<cluster::Manager>(
        io_, store_, engine_,
        cluster::Manager::Options{
            .member_id = "m2",
            .on_arrived = [this](const std::vector<std::string>& n,
                                 const std::map<std::string, state::Seed>&) { arrived_ = n; }});
    boost::asio::post(io_, [this] { manager_->start(); });
    ASSERT_TRUE(eventually([&] {
      io_.run_for(20ms);
      std::lock_guard lock(mu_);
      return !reports_.empty();
    }));
  }

  engine::RunReport first() {
    std::lock_guard lock(mu_);
    return reports_.front();
  }

  boost::asio::io_context io_;
  std::shared_ptr<store::Store> store_;
  std::shared_ptr<engine::Engine> engine_;
  std::unique_ptr<cluster::Manager> manager_;
  std::vector<std::string> arrived_;
  std::mutex mu_;
  std::vector<engine::RunReport> reports_;
};

TEST_F(ManagerSeedTest, AnOpenIncidentFresherThanTheStateWins) {
  put(store_->keys().monitor("web"),
      {{"type", "exec"}, {"command", "/bin/false"}, {"interval", "100ms"}});
  put(store_->keys().assignmentShard("m2", "00"), nlohmann::json::array({"web"}));
  put(store_->keys().state("web"), {{"check", "web"}, {"status", "ok"}, {"count", 0}});
  put(store_->keys().incident("web"), {{"check", "web"},
                                       {"id", "1-m1"},
                                       {"seq", 1},
                                       {"status", "critical"},
                                       {"resolved", false},
                                       {"count", 5},
                                       {"alerters", nlohmann::json::object()}});
  runManager();
  auto r = first();
  EXPECT_EQ(r.state, state::CheckState::kCritical);
  EXPECT_EQ(r.count, 6);  // went on from the incident's 5
  EXPECT_FALSE(r.transition);
  EXPECT_EQ(arrived_, std::vector<std::string>{"web"});
}

TEST_F(ManagerSeedTest, AResolvedIncidentDoesNotOverrideTheState) {
  put(store_->keys().monitor("web"),
      {{"type", "exec"}, {"command", "/bin/false"}, {"interval", "100ms"}});
  put(store_->keys().assignmentShard("m2", "00"), nlohmann::json::array({"web"}));
  put(store_->keys().state("web"), {{"check", "web"}, {"status", "ok"}, {"count", 0}});
  put(store_->keys().incident("web"), {{"check", "web"},
                                       {"id", "1-m1"},
                                       {"seq", 2},
                                       {"status", "ok"},
                                       {"resolved", true},
                                       {"count", 5},
                                       {"alerters", nlohmann::json::object()}});
  runManager();
  auto r = first();
  EXPECT_EQ(r.count, 1);  // a fresh failure
  ASSERT_TRUE(r.transition);
  EXPECT_EQ(r.transition->from, state::CheckState::kOk);
}

// The flap history travels in the state key: the new owner goes on flapping from it (no
// new start), its history continued; an incident that says flapping is believed too.
TEST_F(ManagerSeedTest, TheFlapHistoryAndFlappingContinueOnTheNewOwner) {
  put(store_->keys().monitor("web"),
      {{"type", "exec"}, {"command", "/bin/false"}, {"interval", "100ms"}});
  put(store_->keys().assignmentShard("m2", "00"), nlohmann::json::array({"web"}));
  const std::string history = "ooooooooooococococococ";  // 22: the newest 21 are kept
  put(store_->keys().state("web"),
      {{"check", "web"},
       {"owner", "m1"},
       {"status", "critical"},
       {"count", 1},
       {"date", common::formatRfc3339(std::chrono::system_clock::now())},
       {"history", history},
       {"flapping", true}});
  runManager();
  auto r = first();
  EXPECT_TRUE(r.flapping);
  ASSERT_FALSE(r.transition) << "flapping went on: no start, no stop, no state change";
  // The stored runs, then at most a run or two of `critical` for the time since the date,
  // then this run.
  const std::string got = r.history.text();
  EXPECT_EQ(got.substr(got.size() - 1), "c");
  EXPECT_NE(got.find("ococococ"), std::string::npos) << got;
  EXPECT_GT(r.history.percent(), 25);
}

TEST_F(ManagerSeedTest, AnIncidentThatSaysFlappingIsBelievedWhenTheStateKeyLags) {
  put(store_->keys().monitor("web"),
      {{"type", "exec"}, {"command", "/bin/false"}, {"interval", "100ms"}});
  put(store_->keys().assignmentShard("m2", "00"), nlohmann::json::array({"web"}));
  put(store_->keys().state("web"), {{"check", "web"}, {"status", "ok"}, {"count", 0}});
  put(store_->keys().incident("web"),
      {{"check", "web"},
       {"id", "1-m1"},
       {"seq", 2},
       {"status", "ok"},
       {"resolved", true},
       {"count", 0},
       {"alerters", nlohmann::json::object()},
       {"flapping", {{"since", "2026-12-06T09:00:00Z"}, {"percent", 60}}},
       {"flaps", 1}});
  runManager();
  auto r = first();
  ASSERT_TRUE(r.transition);
  EXPECT_EQ(r.transition->to, state::CheckState::kCritical);
  // Steady history (no record of it): the first run stops the flapping the incident holds,
  // so the dispatcher ends it rather than holding its alerts for ever.
  EXPECT_EQ(r.transition->flap, state::FlapChange::kStopped);
  EXPECT_FALSE(r.flapping);
}

}  // namespace
}  // namespace ninevolt
