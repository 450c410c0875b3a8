// Checks run from several locations and a quorum decides (issue 15 §2, docs/locations.md):
// 3 locations x 2 members on one etcd, a target that fails only for the members of chosen
// locations (by the member id in the User-Agent), counted at a real webhook receiver. One
// failing location: no alert; two: exactly one critical, naming them; kill the judge's member
// and another replica's member; back to one: exactly one resolve.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cluster_harness.h"
#include "receiver.h"

namespace ninevolt::e2e {
namespace {

using alerts::testing::Receiver;
using testing::eventually;

class LocationsTest : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    ASSERT_TRUE(client_->put("/9volt/config", nlohmann::json{{"member-ttl", "2s"}}.dump()));
    ASSERT_NO_FATAL_FAILURE(putWebhookAlerter("hook", receiver_.url() + "/hook"));
  }

  std::vector<nlohmann::json> received(const std::string& kind) const {
    std::vector<nlohmann::json> out;
    for (const auto& r : receiver_.requests()) {
      auto j = nlohmann::json::parse(r.body, nullptr, false);
      if (!j.is_discarded() && j.value("kind", "") == kind) {
        out.push_back(j);
      }
    }
    return out;
  }
  // A key's JSON value ({} when absent or not JSON).
  nlohmann::json value(const std::string& key) {
    auto r = client_->range(key);
    if (!r || r->kvs.empty()) {
      return nlohmann::json::object();
    }
    auto j = nlohmann::json::parse(r->kvs[0].value, nullptr, false);
    return j.is_discarded() ? nlohmann::json::object() : j;
  }
  std::set<std::string> membersOf(const std::set<std::string>& locations) const {
    std::set<std::string> out;
    for (const auto& m : members_) {
      if (locations.contains(m.location)) {
        out.insert(m.id);
      }
    }
    return out;
  }

  Receiver receiver_{[](const Receiver::Request&) { return Receiver::Reply{204, ""}; }};
};

TEST_F(LocationsTest, TwoOfThreeLocationsFailingAlertOnceAndRecoverOnceAcrossKills) {
  for (const char* location : {"eu", "us", "ap"}) {
    startMember({.location = location});
    startMember({.location = location});
  }
  auto spec = checkSpec("web", "1s");
  spec["locations"] = {"eu", "us", "ap"};
  spec["critical-alerter"] = {"hook"};
  putMonitor("web", spec);

  // A replica per location on a member of it, and the judge with one of them.
  std::map<std::string, std::string> owner;
  ASSERT_TRUE(eventually(
      [&] {
        owner = assignments();
        return owner.size() == 4 && owner.contains("web") && owner.contains("web@eu")
               && owner.contains("web@us") && owner.contains("web@ap");
      },
      30s))
      << logs();
  for (const char* location : {"eu", "us", "ap"}) {
    const Member* m = memberById(owner["web@" + std::string(location)]);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->location, location);
  }
  // The judge has said "ok" from all three (each replica's state written once).
  ASSERT_TRUE(eventually(
      [&] {
        auto s = value("/9volt/state/web");
        return s.value("status", "") == "ok"
               && s.value("message", "").starts_with("0 of 3 location(s) failing");
      },
      30s))
      << value("/9volt/state/web").dump() << logs();

  // One location failing: its replica goes critical; the check does not.
  target_.setFailingMembers(membersOf({"eu"}));
  ASSERT_TRUE(eventually(
      [&] { return value("/9volt/location-state/web@eu").value("status", "") == "critical"; },
      20s));
  ASSERT_TRUE(eventually(
      [&] {
        return value("/9volt/state/web").value("message", "").starts_with("1 of 3 location(s)");
      },
      20s));
  EXPECT_EQ(value("/9volt/state/web").value("status", ""), "ok");
  EXPECT_TRUE(received("critical").empty());

  // Two: exactly one critical, saying which locations fail and why.
  target_.setFailingMembers(membersOf({"eu", "us"}));
  ASSERT_TRUE(eventually([&] { return !received("critical").empty(); }, 30s)) << logs();
  const auto critical = received("critical").front();
  EXPECT_EQ(critical.value("check", ""), "web");
  const std::string text = critical.value("error", "");  // the judge's summary
  EXPECT_NE(text.find("2 of 3 location(s) failing"), std::string::npos) << critical.dump();
  EXPECT_NE(text.find("eu critical"), std::string::npos) << critical.dump();
  EXPECT_NE(text.find("us critical"), std::string::npos) << critical.dump();
  EXPECT_NE(text.find("503"), std::string::npos) << critical.dump();

  // Kill the judge's member, and the member of another replica than the judge's own.
  const std::string judge = owner["web"];
  std::string other;
  for (const char* location : {"eu", "us", "ap"}) {
    if (const auto& o = owner["web@" + std::string(location)]; o != judge && other.empty()) {
      other = o;
    }
  }
  ASSERT_FALSE(other.empty());
  kill9(*memberById(judge));
  kill9(*memberById(other));
  ASSERT_TRUE(eventually(
      [&] {
        auto now = assignments();
        return now.size() == 4 && now["web"] != judge && now["web"] != other
               && now["web@eu"] != judge && now["web@eu"] != other;
      },
      30s))
      << logs();

  // Back to one failing location: exactly one resolve, from whichever member judges now.
  target_.setFailingMembers(membersOf({"eu"}));
  ASSERT_TRUE(eventually([&] { return !received("resolve").empty(); }, 30s)) << logs();
  // Nothing more arrives: a later doubled notification would show here.
  ASSERT_TRUE(eventually(
      [&] {
        return value("/9volt/state/web").value("message", "").starts_with("1 of 3 location(s)");
      },
      20s));
  std::this_thread::sleep_for(3s);  // a window for a duplicate to show, not a synchronisation
  EXPECT_EQ(received("critical").size(), 1u) << receiver_.requests().size();
  EXPECT_EQ(received("resolve").size(), 1u);
  // The replicas alerted nobody: every notification is about the check itself.
  for (const auto& r : receiver_.requests()) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    EXPECT_EQ(j.value("check", ""), "web") << r.body;
  }
}

TEST_F(LocationsTest, ALocationWithNoMemberIsUnknownAndADeletedMonitorTakesItsReplicaStates) {
  startMember({.location = "eu"});
  startMember({.location = "us"});
  auto spec = checkSpec("api", "1s");
  spec["locations"] = {"eu", "us", "sa"};  // nobody runs in sa
  spec["critical-alerter"] = {"hook"};
  putMonitor("api", spec);
  ASSERT_TRUE(eventually(
      [&] {
        auto s = value("/9volt/state/api");
        return s.value("message", "").find("sa unknown (no live member in location 'sa'")
               != std::string::npos;
      },
      30s))
      << value("/9volt/state/api").dump() << logs();
  EXPECT_FALSE(assignments().contains("api@sa"));
  // The API shows a row per location, the empty one saying why.
  auto locations = [&] {
    auto reply = testing::httpGet(members_.front().port, "/api/v1/state?check=api");
    auto j = reply ? nlohmann::json::parse(reply->body, nullptr, false) : nlohmann::json();
    return j.is_array() && j.size() == 1 ? j[0]["locations"] : nlohmann::json();
  };
  auto l = locations();
  ASSERT_TRUE(l.is_object()) << l.dump();
  EXPECT_EQ(l["total"], 3);
  EXPECT_EQ(l["failing"], 0);
  EXPECT_EQ(l["unknown"], 1);
  EXPECT_EQ(l["failing-locations"], 2);
  ASSERT_EQ(l["rows"].size(), 3u);
  EXPECT_EQ(l["rows"][0]["location"], "eu");
  EXPECT_EQ(l["rows"][0]["status"], "ok");
  EXPECT_EQ(l["rows"][0]["member"], members_[0].id);
  EXPECT_EQ(l["rows"][0]["result"], "ok");
  EXPECT_EQ(l["rows"][2]["status"], "unknown");
  EXPECT_EQ(l["rows"][2]["why"], "no live member in location 'sa' may run it");
  // Both live locations failing: 2 of 3 (the default quorum), the unknown one counting for
  // nothing either way.
  target_.setFailingMembers(membersOf({"eu", "us"}));
  ASSERT_TRUE(eventually([&] { return received("critical").size() == 1; }, 30s)) << logs();
  EXPECT_EQ(locations()["failing"], 2);
  // Deleted: its replicas' states go with it.
  ASSERT_TRUE(client_->del("/9volt/monitor/api"));
  ASSERT_TRUE(eventually(
      [&] {
        auto r = client_->range("/9volt/location-state/", {.prefix = true});
        return r && r->kvs.empty();
      },
      30s));
}

// Retest elsewhere before paging (issue 15 §3): a `confirm` check about to enter CRITICAL is
// run once by a member of another location; it pages only when that run fails too.
TEST_F(LocationsTest, ConfirmPagesOnlyWhenAnotherLocationSeesTheFailureToo) {
  Member& eu = startMember({.location = "eu"});
  Member& us = startMember({.location = "us"});
  auto spec = checkSpec("solo", "1s");
  spec["confirm"] = true;
  spec["critical-alerter"] = {"hook"};
  putMonitor("solo", spec);
  std::string owner;
  ASSERT_TRUE(eventually(
      [&] {
        owner = assignments()["solo"];
        return !owner.empty() && value("/9volt/state/solo").value("status", "") == "ok";
      },
      30s))
      << logs();
  const std::string other = owner == eu.id ? us.id : eu.id;

  // Only the owner's location fails: the other does not confirm it, nothing pages, and the
  // failures count (the state key's count goes on) with what the other member saw.
  target_.setFailingMembers({owner});
  ASSERT_TRUE(eventually(
      [&] {
        auto s = value("/9volt/state/solo");
        return s.value("count", 0) >= 3
               && s.value("message", "").starts_with("not confirmed by " + other + ": ");
      },
      30s))
      << value("/9volt/state/solo").dump() << logs();
  EXPECT_EQ(value("/9volt/state/solo").value("status", ""), "ok");
  EXPECT_TRUE(received("critical").empty());

  // Both fail: confirmed, exactly one critical, saying by whom.
  target_.setFailingMembers({eu.id, us.id});
  ASSERT_TRUE(eventually([&] { return !received("critical").empty(); }, 30s)) << logs();
  EXPECT_NE(received("critical").front().value("error", "").find("(confirmed by " + other + ": "),
            std::string::npos)
      << received("critical").front().dump();
  target_.setFailingMembers({});
  ASSERT_TRUE(eventually([&] { return received("resolve").size() == 1; }, 30s)) << logs();

  // The other member gone: the owner decides alone and says so.
  kill9(*memberById(other));
  target_.setFailingMembers({owner});
  ASSERT_TRUE(eventually([&] { return received("critical").size() == 2; }, 30s)) << logs();
  EXPECT_NE(received("critical").back().value("error", "").find("decided alone"), std::string::npos)
      << received("critical").back().dump();
  EXPECT_EQ(received("resolve").size(), 1u);
  // Nothing is left of the confirmations but what the dead member's lease still holds.
  ASSERT_TRUE(eventually(
      [&] {
        auto r = client_->range("/9volt/confirm/", {.prefix = true});
        return r && r->kvs.empty();
      },
      30s));
}

}  // namespace
}  // namespace ninevolt::e2e
