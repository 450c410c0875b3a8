// Placement with member tags (issue 4 §2, §6): a member with several tags is eligible for
// each; untagged checks go to untagged members (to all when none is untagged); a check whose
// member-tag no member has is orphaned, reported so, and placed when such a member joins.
#include <gtest/gtest.h>

#include "cluster_harness.h"

namespace ninevolt::e2e {
namespace {

using testing::eventually;

class TagsTest : public ClusterTest {
 protected:
  void putTagged(const std::string& prefix, int n, const std::string& tag) {
    for (int i = 0; i < n; ++i) {
      std::string name = prefix + std::to_string(i);
      auto spec = checkSpec(name, "1s");
      if (!tag.empty()) {
        spec["member-tag"] = tag;
      }
      putMonitor(name, spec);
    }
  }

  // Is there an event of this kind about this check in the event log (/9volt/event/)?
  bool hasEvent(const std::string& kind, const std::string& check) {
    auto r = client_->range("/9volt/event/", {.prefix = true});
    if (!r) {
      return false;
    }
    for (const auto& kv : r->kvs) {
      auto j = nlohmann::json::parse(kv.value, nullptr, false);
      if (j.is_object() && j.value("kind", "") == kind && j.value("check", "") == check) {
        return true;
      }
    }
    return false;
  }

  // The members that own checks named <prefix><n>.
  static std::set<std::string> ownersOf(const std::map<std::string, std::string>& a,
                                        const std::string& prefix) {
    std::set<std::string> out;
    for (const auto& [c, m] : a) {
      if (c.rfind(prefix, 0) == 0) {
        out.insert(m);
      }
    }
    return out;
  }
};

TEST_F(TagsTest, MultiTagMemberUntaggedFallbackAndOrphanPlacedWhenItsTagJoins) {
  putTagged("east", 20, "east");
  putTagged("west", 20, "west");
  putTagged("any", 30, "");
  putTagged("north", 1, "north");  // no member has this tag (yet)
  Member& both = startMember({.tags = {"east", "west"}});
  Member& east = startMember({.tags = {"east"}});
  Member& plain = startMember();
  ASSERT_TRUE(waitPlaced(70, 3)) << logs();
  auto a = assignments();

  // The two-tag member runs checks of each of its tags; "west" only it can run.
  EXPECT_EQ(ownersOf(a, "west"), std::set<std::string>{both.id});
  EXPECT_EQ(ownersOf(a, "east"), (std::set<std::string>{both.id, east.id}));
  // Untagged checks go to the untagged member.
  EXPECT_EQ(ownersOf(a, "any"), std::set<std::string>{plain.id});

  // The orphan: assigned nowhere, run nowhere, and reported in the event log.
  EXPECT_FALSE(a.contains("north0"));
  EXPECT_TRUE(eventually([&] { return hasEvent("check-orphaned", "north0"); }, 5s)) << logs();
  auto hits = collect(target_.nowMs(), keysOf(a), 1500ms);
  expectRunByOwnersOnly(hits, a);
  EXPECT_FALSE(runners(hits).contains("north0"));

  // A member with the tag joins: the orphan is placed on it (and reported so); nothing else
  // moves (untagged checks stay on the untagged member).
  const int64_t join_at = target_.nowMs();
  Member& north = startMember({.tags = {"north"}});
  ASSERT_TRUE(waitPlaced(71, 4)) << logs();
  auto b = assignments();
  EXPECT_EQ(b.at("north0"), north.id);
  for (const auto& [c, m] : a) {
    EXPECT_EQ(b.at(c), m) << c;
  }
  ASSERT_TRUE(
      eventually([&] { return runners(target_.hitsSince(join_at)).contains("north0"); }, 10s));
  figure("orphan: running after a member with its tag started", (target_.nowMs() - join_at) / 1e3,
         "s");
  EXPECT_EQ(runners(target_.hitsSince(join_at))["north0"], std::set<std::string>{north.id});
  EXPECT_TRUE(eventually([&] { return hasEvent("check-placed", "north0"); }, 5s));

  // The only untagged member leaves: untagged checks may now run on every member.
  stopMember(plain);
  ASSERT_TRUE(waitPlaced(71, 3)) << logs();
  auto c = assignments();
  auto any_owners = ownersOf(c, "any");
  EXPECT_EQ(any_owners.size(), 3U) << "30 untagged checks over the 3 tagged members";
  EXPECT_FALSE(any_owners.contains(plain.id));
  for (const auto& [name, m] : b) {
    if (m != plain.id) {
      EXPECT_EQ(c.at(name), m) << name << " moved although its member stayed";
    }
  }
  expectRunByOwnersOnly(collect(target_.nowMs(), keysOf(c), 1500ms), c);
}

}  // namespace
}  // namespace ninevolt::e2e
