// Alerts while members die (issue 5 §3): a check goes CRITICAL on member A and its alert is
// sent; A is killed with -9; the target recovers; the new owner must send exactly one
// resolve. 20 such kill cycles in a 3-member cluster, counted at a real webhook receiver:
// no notification missing, none doubled.
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cluster_harness.h"
#include "receiver.h"

namespace ninevolt::e2e {
namespace {

using alerts::testing::Receiver;
using testing::eventually;

class AlertFailoverTest : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    // A short lease keeps 20 kill cycles within a minute or two; everything else default.
    ASSERT_TRUE(client_->put("/9volt/config", nlohmann::json{{"member-ttl", "2s"}}.dump()));
    ASSERT_TRUE(client_->put(
        "/9volt/alerter/hook",
        nlohmann::json{{"type", "webhook"}, {"options", {{"url", receiver_.url() + "/hook"}}}}
            .dump()));
  }

  // (check, kind) -> notifications received, and transition id -> how many times.
  struct Counts {
    std::map<std::pair<std::string, std::string>, int> by_kind;
    std::map<std::string, int> by_transition;
    std::map<std::pair<std::string, std::string>, std::string> sender;  // last member_id
  };
  Counts counts() const {
    Counts c;
    for (const auto& r : receiver_.requests()) {
      auto j = nlohmann::json::parse(r.body, nullptr, false);
      if (j.is_discarded()) {
        continue;
      }
      std::pair<std::string, std::string> key{j.value("check", ""), j.value("kind", "")};
      c.by_kind[key]++;
      c.by_transition[j.value("transition_id", "")]++;
      c.sender[key] = j.value("member_id", "");
    }
    return c;
  }
  int received(const std::string& check, const std::string& kind) const {
    auto c = counts();
    auto it = c.by_kind.find({check, kind});
    return it == c.by_kind.end() ? 0 : it->second;
  }
  // The incident of `check` records the hook's notification as delivered.
  bool recorded(const std::string& check) {
    auto r = client_->range("/9volt/incident/" + check);
    if (!r || r->kvs.empty()) {
      return false;
    }
    auto j = nlohmann::json::parse(r->kvs[0].value, nullptr, false);
    return !j.is_discarded() && j["alerters"]["hook"]["delivered"] == true;
  }

  Receiver receiver_{[](const Receiver::Request&) { return Receiver::Reply{204, ""}; }};
};

TEST_F(AlertFailoverTest, TwentyKillCyclesNoDuplicateAndNoMissingNotification) {
  constexpr int kCycles = 20;
  for (int i = 0; i < 3; ++i) {
    startMember();
  }
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    const std::string check = "k" + std::to_string(cycle);
    target_.setStatus(check, 500);  // failing from its first run
    auto spec = checkSpec(check, "300ms");
    spec["timeout"] = "200ms";
    spec["critical-alerter"] = {"hook"};
    putMonitor(check, spec);
    // CRITICAL on its owner, the alert received and recorded.
    ASSERT_TRUE(
        eventually([&] { return received(check, "critical") >= 1 && recorded(check); }, 20s))
        << logs();
    const std::string owner = assignments()[check];
    Member* victim = memberById(owner);
    ASSERT_NE(victim, nullptr) << owner;
    kill9(*victim);
    target_.setStatus(check, 200);  // the target recovers while its owner is dead
    ASSERT_TRUE(eventually([&] { return received(check, "resolve") >= 1; }, 20s)) << logs();
    const std::string resolver = counts().sender[{check, "resolve"}];
    EXPECT_NE(resolver, owner) << "the resolve came from the dead member";
    startMember();  // back to 3 members
  }
  // Let anything late arrive (a duplicate would be sent within a retry or an adoption).
  auto settled_at = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < settled_at) {
    std::this_thread::sleep_for(100ms);
  }
  auto c = counts();
  int missing = 0;
  int doubled = 0;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    const std::string check = "k" + std::to_string(cycle);
    for (const char* kind : {"critical", "resolve"}) {
      int n = c.by_kind[{check, kind}];
      missing += n == 0 ? 1 : 0;
      doubled += n > 1 ? n - 1 : 0;
      EXPECT_EQ(n, 1) << check << " " << kind;
    }
  }
  for (const auto& [tid, n] : c.by_transition) {
    EXPECT_EQ(n, 1) << "transition " << tid << " delivered " << n << " times";
  }
  EXPECT_EQ(c.by_kind.size(), 2U * kCycles) << "notifications for something else";
  figure("alert kill cycles", kCycles, "cycles");
  figure("alert notifications missing", missing, "");
  figure("alert notifications doubled", doubled, "");
}

}  // namespace
}  // namespace ninevolt::e2e
