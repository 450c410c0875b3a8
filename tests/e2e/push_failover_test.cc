// Push checks across member deaths (issue 13 §2, push): a job pushes every second through
// different members while the check's owner is killed twice: no alert. The job stops and
// the owner is killed right after: exactly one critical, whose message names the last push
// (the new owner kept the deadline rather than starting it again). The job resumes: exactly
// one resolve. Counted at a real webhook receiver.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cluster_harness.h"
#include "common/clock.h"
#include "receiver.h"

namespace ninevolt::e2e {
namespace {

using alerts::testing::Receiver;
using testing::eventually;

constexpr const char* kCheck = "beat";
constexpr const char* kToken = "e2e-push-token-0123456789";

class PushFailoverTest : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    ASSERT_TRUE(client_->put("/9volt/config", nlohmann::json{{"member-ttl", "2s"}}.dump()));
    ASSERT_NO_FATAL_FAILURE(putWebhookAlerter("hook", receiver_.url() + "/hook"));
  }

  void TearDown() override {
    {
      std::lock_guard lock(mu_);
      running_ = false;
    }
    cv_.notify_all();
    if (pusher_.joinable()) {
      pusher_.join();
    }
    ClusterTest::TearDown();
  }

  // The job: every second one push, to the next member in turn; a member that does not
  // answer (dead) is skipped for the next, as `curl --retry` against a load balancer would.
  void startPusher() {
    pusher_ = std::thread([this] {
      size_t next = 0;
      std::unique_lock lock(mu_);
      while (running_) {
        if (pushing_ && !ports_.empty()) {
          auto ports = ports_;
          lock.unlock();
          bool done = false;
          for (size_t i = 0; i < ports.size() && !done; ++i) {
            auto reply =
                testing::httpCall(ports[next++ % ports.size()], "POST",
                                  std::string("/api/v1/push/") + kCheck + "?token=" + kToken, {},
                                  {}, std::chrono::seconds(2));
            done = reply.status == 200;
          }
          lock.lock();
          pushes_ += done ? 1 : 0;
        }
        idle_ = !pushing_;
        cv_.notify_all();
        cv_.wait_for(lock, 1s, [this] { return !running_; });
      }
    });
  }
  void setPushing(bool on) {
    std::unique_lock lock(mu_);
    pushing_ = on;
    idle_ = false;
    if (!on) {
      // Until the push in flight (if any) is over: the last push is then in etcd.
      cv_.wait_for(lock, 30s, [this] { return idle_; });
    }
  }
  void setPorts() {
    std::lock_guard lock(mu_);
    ports_.clear();
    for (const auto& m : members_) {
      if (m.alive) {
        ports_.push_back(m.port);
      }
    }
  }
  int pushes() {
    std::lock_guard lock(mu_);
    return pushes_;
  }

  // Notifications about kCheck: "C" critical, "R" resolve, in arrival order; and their text.
  std::string sequence(std::string* texts = nullptr) const {
    std::string seq;
    for (const auto& r : receiver_.requests()) {
      auto j = nlohmann::json::parse(r.body, nullptr, false);
      if (j.is_discarded() || j.value("check", "") != kCheck) {
        continue;
      }
      seq += j.value("kind", "") == "resolve" ? "R" : "C";
      if (texts != nullptr) {
        *texts += j.dump() + "\n";
      }
    }
    return seq;
  }
  nlohmann::json state() {
    auto r = client_->range(std::string("/9volt/state/") + kCheck);
    if (!r || r->kvs.empty()) {
      return {};
    }
    auto j = nlohmann::json::parse(r->kvs[0].value, nullptr, false);
    return j.is_discarded() ? nlohmann::json() : j;
  }
  // Judged OK from a push, by `not_owner`'s successor when given.
  bool judgedOk(const std::string& not_owner = "") {
    auto s = state();
    return s.is_object() && s.value("status", "") == "ok"
           && s.value("message", "").starts_with("last push") && s.value("owner", "") != not_owner;
  }
  void waitFor(std::chrono::milliseconds span) {
    auto until = std::chrono::steady_clock::now() + span;
    while (std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(100ms);
    }
  }

  Receiver receiver_{[](const Receiver::Request&) { return Receiver::Reply{204, ""}; }};
  std::thread pusher_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool running_ = true;
  bool pushing_ = false;
  bool idle_ = false;
  int pushes_ = 0;
  std::vector<uint16_t> ports_;
};

TEST_F(PushFailoverTest, NoAlertWhileOwnersDieThenOneCriticalAndOneResolve) {
  for (int i = 0; i < 3; ++i) {
    startMember();
  }
  setPorts();
  putMonitor(kCheck, {{"type", "push"},
                      {"interval", "2s"},
                      {"grace", "2s"},
                      {"token", kToken},
                      {"critical-alerter", {"hook"}}});
  startPusher();
  setPushing(true);
  ASSERT_TRUE(eventually([&] { return judgedOk(); }, 30s)) << state().dump() << logs();

  // Owners die while the job keeps pushing: the next owner takes the pushes any member took.
  for (int cycle = 0; cycle < 2; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    const std::string owner = assignments()[kCheck];
    Member* victim = memberById(owner);
    ASSERT_NE(victim, nullptr) << owner;
    kill9(*victim);
    setPorts();
    ASSERT_TRUE(eventually([&] { return judgedOk(owner); }, 30s)) << state().dump() << logs();
    startMember();
    setPorts();
  }
  waitFor(3s);  // a false alarm of the last handover would arrive within this
  EXPECT_EQ(sequence(), "") << "alerted while the job pushed every second";
  EXPECT_GT(pushes(), 5);

  // The job stops, and its check's owner dies right after.
  setPushing(false);
  auto record = client_->range(std::string("/9volt/push/") + kCheck);
  ASSERT_TRUE(record && !record->kvs.empty());
  auto last = nlohmann::json::parse(record->kvs[0].value);
  auto last_time = common::parseRfc3339(last["time"].get<std::string>());
  ASSERT_TRUE(last_time);
  const std::string last_push =
      common::formatRfc3339(std::chrono::time_point_cast<std::chrono::seconds>(*last_time));
  const std::string owner = assignments()[kCheck];
  Member* victim = memberById(owner);
  ASSERT_NE(victim, nullptr) << owner;
  kill9(*victim);
  setPorts();
  ASSERT_TRUE(eventually([&] { return sequence() == "C"; }, 60s)) << sequence() << logs();
  waitFor(5s);
  std::string texts;
  EXPECT_EQ(sequence(&texts), "C") << texts;
  // The deadline ran from the last push across the handover.
  EXPECT_NE(texts.find("no push since " + last_push), std::string::npos) << texts;

  startMember();
  setPorts();
  setPushing(true);
  ASSERT_TRUE(eventually([&] { return sequence() == "CR"; }, 60s)) << sequence() << logs();
  waitFor(5s);
  EXPECT_EQ(sequence(), "CR");
}

}  // namespace
}  // namespace ninevolt::e2e
