#pragma once

// The dispatcher's test fixture: a real etcd, scripted alerters (what they answer, what they
// received, whether the incident named the transition before it was sent) and the specs a
// member's manager would hand over.
#include <csignal>
#include <map>
#include <mutex>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "alerts/dispatcher.h"
#include "support/etcd_fixture.h"

namespace ninevolt::alerts {

struct Sent {
  std::string alerter;
  Notification n;
  bool recorded_before = false;  // the incident in etcd already named this transition
};

// Shared by the scripted alerters of a test: what they answer, what they received.
struct World {
  std::mutex mu;
  std::vector<Sent> sent;                           // accepted deliveries
  std::map<std::string, std::vector<Errc>> script;  // alerter -> errors to answer first
  std::map<std::string, int> attempts;
  std::map<std::string, std::chrono::milliseconds> delay;
  std::shared_ptr<store::Store> store;
  bool check_recorded = true;  // false while etcd is frozen: the check would wait for it

  size_t count(const std::string& alerter, NotificationKind kind) {
    std::lock_guard lock(mu);
    return std::count_if(sent.begin(), sent.end(),
                         [&](const Sent& s) { return s.alerter == alerter && s.n.kind == kind; });
  }
};

class ScriptedAlerter : public Alerter {
 public:
  ScriptedAlerter(std::string name, std::shared_ptr<World> world)
      : name_(std::move(name)), world_(std::move(world)) {}
  Result<void> deliver(const Notification& n, std::chrono::milliseconds) const override {
    std::chrono::milliseconds delay{0};
    {
      std::lock_guard lock(world_->mu);
      world_->attempts[name_]++;
      delay = world_->delay[name_];
    }
    std::this_thread::sleep_for(delay);
    std::lock_guard lock(world_->mu);
    auto& errs = world_->script[name_];
    if (!errs.empty()) {
      Errc e = errs.front();
      errs.erase(errs.begin());
      return fail(e, "scripted failure");
    }
    // Was the incident written before this send? Read it from etcd like a new owner would.
    bool recorded = false;
    auto r = world_->check_recorded
                 ? store::IncidentStore(world_->store).load(n.check)
                 : Result<store::StoredIncident>(fail(Errc::kUnavailable, "not checked"));
    if (r && r->incident) {
      const auto& inc = *r->incident;
      auto names = [&](const std::map<std::string, store::Told>& told) {
        return told.contains(name_) && told.at(name_).transition_id == n.transition_id;
      };
      recorded = names(inc.alerters) || names(inc.follow_ups);
    }
    world_->sent.push_back({name_, n, recorded});
    return {};
  }

 private:
  std::string name_;
  std::shared_ptr<World> world_;
};

class ScriptedFactory : public AlerterFactory {
 public:
  explicit ScriptedFactory(std::shared_ptr<World> world) : world_(std::move(world)) {}
  Result<std::unique_ptr<Alerter>> create(const config::AlerterSpec& spec) const override {
    return std::make_unique<ScriptedAlerter>(spec.name, world_);
  }

 private:
  std::shared_ptr<World> world_;
};

class DispatcherTest : public ninevolt::testing::EtcdTest {
 protected:
  void SetUp() override {
    EtcdTest::SetUp();
    store_ = std::make_shared<store::Store>(client_, "/9volt");
    world_ = std::make_shared<World>();
    world_->store = store_;
    auto registry = std::make_shared<AlerterRegistry>();
    registry->add("webhook", std::make_unique<ScriptedFactory>(world_));
    registry->freeze();
    registry_ = registry;
    for (const char* a : {"chat", "pager"}) {
      putJson(store_->keys().alerter(a),
              {{"type", "webhook"}, {"options", {{"url", "http://127.0.0.1:1/"}}}});
    }
    setMonitor("web", {{"type", "http"},
                       {"host", "127.0.0.1"},
                       {"interval", "10s"},
                       {"warning-alerter", {"chat"}},
                       {"critical-alerter", {"chat", "pager"}}});
  }
  void TearDown() override {
    thaw();
    for (auto& d : dispatchers_) {
      d->stop();
    }
    EtcdTest::TearDown();
  }

  void putJson(const std::string& key, const nlohmann::json& j) {
    ASSERT_TRUE(client_->put(key, j.dump()));
  }
  // What the manager gives the dispatcher in a member: the parsed spec the check runs.
  // `adjust` changes the parsed spec: e.g. a reminder interval shorter than a config may
  // have, so a test need not wait for minutes.
  void setMonitor(const std::string& name, const nlohmann::json& j,
                  const std::function<void(config::MonitorSpec&)>& adjust = {}) {
    config::Problems problems;
    auto spec = config::parseMonitor(name, j, problems);
    ASSERT_TRUE(spec) << problems.front().toString();
    if (adjust) {
      adjust(*spec);
    }
    std::lock_guard lock(monitors_mu_);
    monitors_[name] = config::shareMonitor(std::move(*spec));
  }
  config::SharedMonitor monitorOf(const std::string& name) {
    std::lock_guard lock(monitors_mu_);
    auto it = monitors_.find(name);
    return it != monitors_.end() ? it->second : nullptr;
  }

  // A store whose etcd calls give up quickly, for a member that sees etcd go away.
  std::shared_ptr<store::Store> impatientStore() {
    auto client = newClient({.call_timeout = std::chrono::milliseconds(300)});
    return std::make_shared<store::Store>(client, "/9volt");
  }

  // etcd stops answering (SIGSTOP) until thaw() or the end of the test.
  void freeze() {
    ASSERT_EQ(kill(etcd_->pid(), SIGSTOP), 0);
    frozen_ = true;
  }
  void thaw() {
    if (frozen_) {
      kill(etcd_->pid(), SIGCONT);
      frozen_ = false;
    }
  }

  Dispatcher& start(const std::string& member, Dispatcher::Options o = {},
                    std::shared_ptr<store::Store> store = nullptr) {
    o.member_id = member;
    o.first_backoff = std::chrono::milliseconds(20);
    o.max_backoff = std::chrono::milliseconds(100);
    o.timeout = std::chrono::seconds(1);
    if (o.adopt_grace.count() < 0) {
      o.adopt_grace = std::chrono::milliseconds(0);
    }
    o.on_event = [this](const std::string& type, const std::string& check,
                        const std::string& message) {
      std::lock_guard lock(events_mu_);
      events_.push_back(type + " " + check + ": " + message);
    };
    o.monitor_of = [this](const std::string& check) { return monitorOf(check); };
    dispatchers_.push_back(std::make_unique<Dispatcher>(store ? store : store_, registry_, o));
    dispatchers_.back()->start();
    return *dispatchers_.back();
  }

  static state::Transition change(state::CheckState from, state::CheckState to, int count) {
    state::Transition t;
    t.from = from;
    t.to = to;
    t.count = count;
    t.result = checks::CheckResult{
        to == state::CheckState::kOk ? checks::Status::kOk : checks::Status::kCritical,
        to == state::CheckState::kOk ? "fine" : "connection refused"};
    t.result.time = std::chrono::system_clock::now();
    return t;
  }

  bool incidentExists(const std::string& check) {
    auto r = client_->range(store_->keys().incident(check));
    return r && !r->kvs.empty();
  }
  std::vector<std::string> events() {
    std::lock_guard lock(events_mu_);
    return events_;
  }

  std::shared_ptr<store::Store> store_;
  std::shared_ptr<World> world_;
  std::shared_ptr<const AlerterRegistry> registry_;
  std::vector<std::unique_ptr<Dispatcher>> dispatchers_;
  std::mutex events_mu_;
  std::vector<std::string> events_;
  bool frozen_ = false;
  std::mutex monitors_mu_;
  std::map<std::string, config::SharedMonitor> monitors_;
};

}  // namespace ninevolt::alerts
