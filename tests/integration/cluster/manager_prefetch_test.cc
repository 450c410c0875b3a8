// Checks arriving at a member in numbers (more than read one by one, fewer than a whole-prefix
// read: the batched point reads) start with their spec and with the state their previous
// owner left, from the state key or from an open incident, both when the member starts and
// when its assignments grow later.
#include <map>
#include <mutex>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "checks/exec/exec_check.h"
#include "cluster/manager.h"
#include "support/etcd_fixture.h"

namespace ninevolt {
namespace {

using namespace std::chrono_literals;
using ninevolt::testing::eventually;

class ManagerPrefetchTest : public ninevolt::testing::EtcdTest {
 protected:
  void SetUp() override {
    EtcdTest::SetUp();
    store_ = std::make_shared<store::Store>(client_, "/9volt");
    auto registry = std::make_shared<checks::Registry>();
    registry->add(config::CheckType::kExec, checks::makeExecCheckFactory());
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

TEST_F(ManagerPrefetchTest, ManyArrivingChecksStartWithTheirSavedState) {
  static_assert(cluster::Manager::kPrefetchBatched > 140);
  auto at_start = putChecks("a", 100, "00");  // > kPrefetchOneByOne: batched at start
  std::vector<std::string> arrived;
  manager_ = std::make_unique<cluster::Manager>(
      io_, store_, engine_,
      cluster::Manager::Options{.member_id = "m2",
                                .on_arrived = [&arrived](const std::vector<std::string>& n) {
                                  arrived.insert(arrived.end(), n.begin(), n.end());
                                }});
  boost::asio::post(io_, [this] { manager_->start(); });
  ASSERT_TRUE(waitForFirstRuns(at_start));
  expectContinued(at_start);

  auto later = putChecks("b", 40, "01");  // and through the assignments watch
  ASSERT_TRUE(waitForFirstRuns(later));
  expectContinued(later);
  EXPECT_EQ(manager_->owned().size(), 140u);
  EXPECT_EQ(arrived.size(), 140u);
}

}  // namespace
}  // namespace ninevolt
