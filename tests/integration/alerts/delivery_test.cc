// The dispatcher with the real alerter types against real receivers on loopback and a real
// etcd (issue 5 §3 faults): a receiver that fails twice, one that is down for 20 s, Slack's
// ok:false.
#include <atomic>
#include <mutex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "alerts/dispatcher.h"
#include "alerts/slack/slack_alerter.h"
#include "alerts/webhook/webhook_alerter.h"
#include "receiver.h"
#include "support/etcd_fixture.h"
#include "support/process.h"

namespace ninevolt::alerts {
namespace {

using namespace std::chrono_literals;
using ninevolt::testing::eventually;
using ninevolt::testing::freePort;
using testing::Receiver;

class DeliveryTest : public ninevolt::testing::EtcdTest {
 protected:
  void SetUp() override {
    EtcdTest::SetUp();
    store_ = std::make_shared<store::Store>(client_, "/9volt");
    auto registry = std::make_shared<AlerterRegistry>();
    registry->add("webhook", webhook::makeWebhookAlerterFactory());
    registry->add("slack", slack::makeSlackAlerterFactory());
    registry->freeze();
    registry_ = registry;
  }
  void TearDown() override {
    if (dispatcher_) {
      dispatcher_->stop();
    }
    EtcdTest::TearDown();
  }

  void put(const std::string& key, const nlohmann::json& j) {
    ASSERT_TRUE(client_->put(key, j.dump()));
  }
  void monitorAlerting(const std::string& alerter) {
    config::Problems problems;
    auto spec = config::parseMonitor("web",
                                     {{"type", "http"},
                                      {"host", "127.0.0.1"},
                                      {"interval", "10s"},
                                      {"critical-alerter", {alerter}}},
                                     problems);
    ASSERT_TRUE(spec);
    web_ = config::shareMonitor(std::move(*spec));
  }
  Dispatcher& start(Dispatcher::Options o = {}) {
    o.member_id = "m1";
    o.first_backoff = 200ms;
    o.max_backoff = 2s;
    o.timeout = 2s;
    o.on_event = [this](const std::string& type, const std::string&, const std::string& msg) {
      std::lock_guard lock(mu_);
      events_.push_back(type + ": " + msg);
    };
    o.monitor_of = [this](const std::string& check) {
      return check == "web" ? web_ : config::SharedMonitor();
    };
    dispatcher_ = std::make_unique<Dispatcher>(store_, registry_, o);
    dispatcher_->start();
    return *dispatcher_;
  }
  static state::Transition critical() {
    state::Transition t;
    t.to = state::CheckState::kCritical;
    t.count = 1;
    t.result = checks::CheckResult{checks::Status::kCritical, "connection refused"};
    return t;
  }
  std::vector<std::string> events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  bool settled(const std::string& alerter, const char* field) {
    auto r = client_->range(store_->keys().incident("web"));
    if (!r || r->kvs.empty()) {
      return false;
    }
    return nlohmann::json::parse(r->kvs[0].value)["alerters"][alerter][field] == true;
  }

  std::shared_ptr<store::Store> store_;
  std::shared_ptr<const AlerterRegistry> registry_;
  std::unique_ptr<Dispatcher> dispatcher_;
  config::SharedMonitor web_;  // set before start(): what the manager would give it
  std::mutex mu_;
  std::vector<std::string> events_;
};

TEST_F(DeliveryTest, AReceiverFailingTwiceGetsItExactlyOnce) {
  std::atomic<int> calls{0};
  Receiver hook([&](const Receiver::Request&) {
    return ++calls <= 2 ? Receiver::Reply{500, "busy"} : Receiver::Reply{204, ""};
  });
  put(store_->keys().alerter("hook"),
      {{"type", "webhook"}, {"options", {{"url", hook.url() + "/in"}}}});
  monitorAlerting("hook");
  auto& d = start();
  d.onTransition("web", critical());
  ASSERT_TRUE(eventually([&] { return settled("hook", "delivered"); }, 20s));
  d.sync();
  EXPECT_EQ(hook.count(), 3U);  // 500, 500, then accepted: delivered once
  auto bodies = hook.requests();
  EXPECT_EQ(nlohmann::json::parse(bodies[0].body)["transition_id"],
            nlohmann::json::parse(bodies[2].body)["transition_id"]);
  EXPECT_EQ(d.stats().by_type["webhook"].retried, 2U);
  EXPECT_EQ(d.stats().by_type["webhook"].sent, 1U);
}

TEST_F(DeliveryTest, AReceiverDownFor20SecondsGetsItWhenItReturns) {
  const uint16_t port = freePort();  // nothing listens here yet: connection refused
  put(store_->keys().alerter("hook"),
      {{"type", "webhook"},
       {"options", {{"url", "http://127.0.0.1:" + std::to_string(port) + "/in"}}}});
  monitorAlerting("hook");
  auto& d = start();
  const auto down_since = std::chrono::steady_clock::now();
  d.onTransition("web", critical());
  while (std::chrono::steady_clock::now() - down_since < 20s) {  // the outage being tested
    std::this_thread::sleep_for(250ms);
    ASSERT_FALSE(settled("hook", "failed")) << "given up while the receiver was down";
  }
  EXPECT_GE(d.stats().by_type["webhook"].retried, 3U);
  Receiver hook([](const Receiver::Request&) { return Receiver::Reply{204, ""}; }, port);
  ASSERT_TRUE(eventually([&] { return settled("hook", "delivered"); }, 10s));
  EXPECT_EQ(hook.count(), 1U);
}

TEST_F(DeliveryTest, SlackOkFalseIsRetriedThenGivenUpWithAnErrorEvent) {
  std::atomic<int> calls{0};
  Receiver slack([&](const Receiver::Request&) {
    ++calls;
    return Receiver::Reply{200, R"({"ok":false,"error":"internal_error"})"};
  });
  put(store_->keys().alerter("chat"),
      {{"type", "slack"},
       {"options",
        {{"token", "xoxb-secret-token"}, {"channel", "#ops"}, {"api-url", slack.url() + "/api"}}}});
  monitorAlerting("chat");
  auto& d = start({.retry_for = 3s});
  d.onTransition("web", critical());
  ASSERT_TRUE(eventually([&] { return settled("chat", "failed"); }, 20s));
  EXPECT_GE(calls.load(), 2);  // retried: internal_error is Slack's side
  auto evs = events();
  ASSERT_THAT(evs, ::testing::Contains(::testing::HasSubstr("given up")));
  for (const auto& e : evs) {
    EXPECT_THAT(e, ::testing::Not(::testing::HasSubstr("xoxb-secret-token")));
  }
}

TEST_F(DeliveryTest, SlackInvalidAuthIsGivenUpAtOnce) {
  Receiver slack([](const Receiver::Request&) {
    return Receiver::Reply{200, R"({"ok":false,"error":"invalid_auth"})"};
  });
  put(store_->keys().alerter("chat"),
      {{"type", "slack"},
       {"options",
        {{"token", "xoxb-secret-token"}, {"channel", "#ops"}, {"api-url", slack.url() + "/api"}}}});
  monitorAlerting("chat");
  auto& d = start();
  d.onTransition("web", critical());
  ASSERT_TRUE(eventually([&] { return settled("chat", "failed"); }, 10s));
  EXPECT_EQ(slack.count(), 1U);
  EXPECT_THAT(events(), ::testing::Contains(::testing::HasSubstr("invalid_auth")));
}

}  // namespace
}  // namespace ninevolt::alerts
