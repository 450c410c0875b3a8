#include "cfgsync/plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ninevolt::cfgsync {
namespace {

using Json = nlohmann::json;

store::StoredConfig stored(const std::string& name, const Json& value, int64_t rev) {
  return {.name = name, .text = value.dump(), .value = value, .mod_revision = rev};
}

LoadedSet localSet() {
  LoadedSet set;
  set.monitors["web"] = {"web", "m.yaml", Json{{"type", "http"}, {"interval", "10s"}}};
  set.monitors["new"] = {"new", "m.yaml", Json{{"type", "tcp"}, {"interval", "5s"}}};
  set.alerters["hook"] = {"hook", "a.yaml",
                          Json{{"type", "webhook"}, {"options", {{"url", "http://x/"}}}}};
  return set;
}

store::ConfigSnapshot snapshot() {
  store::ConfigSnapshot s;
  s.monitors["web"] = stored("web", Json{{"type", "http"}, {"interval", "20s"}}, 7);
  s.monitors["old"] = stored("old", Json{{"type", "http"}}, 8);
  s.alerters["hook"] =
      stored("hook", Json{{"type", "webhook"}, {"options", {{"url", "http://y/"}}}}, 9);
  return s;
}

const PlanItem* find(const std::vector<PlanItem>& plan, const std::string& name) {
  for (const auto& i : plan) {
    if (i.name == name) {
      return &i;
    }
  }
  return nullptr;
}

TEST(Plan, AddUpdateDeleteWithChangedFields) {
  auto plan = makePlan(localSet(), snapshot(), {});
  ASSERT_EQ(plan.size(), 4U);
  EXPECT_EQ(find(plan, "new")->action, PlanItem::kAdd);
  EXPECT_EQ(find(plan, "web")->action, PlanItem::kUpdate);
  EXPECT_THAT(find(plan, "web")->changed_fields, ::testing::ElementsAre("interval"));
  EXPECT_EQ(find(plan, "old")->action, PlanItem::kDelete);
  EXPECT_THAT(find(plan, "hook")->changed_fields, ::testing::ElementsAre("options.url"));
  EXPECT_EQ(find(plan, "web")->describe(), "update    monitor 'web': interval");
}

TEST(Plan, NoSyncKeepsStoredOnlyObjects) {
  auto plan = makePlan(localSet(), snapshot(), {.sync = false});
  EXPECT_EQ(find(plan, "old"), nullptr);
}

TEST(Plan, IdenticalIsUnchangedUnlessReplace) {
  LoadedSet set;
  Json v{{"type", "http"}, {"interval", "20s"}};
  set.monitors["web"] = {"web", "m.yaml", v};
  store::ConfigSnapshot s;
  s.monitors["web"] = stored("web", v, 3);
  auto plan = makePlan(set, s, {});
  ASSERT_EQ(plan.size(), 1U);
  EXPECT_EQ(plan[0].action, PlanItem::kUnchanged);
  EXPECT_TRUE(changesOf(plan).empty());
  auto replace = makePlan(set, s, {.replace = true});
  EXPECT_EQ(replace[0].action, PlanItem::kRewrite);
  ASSERT_EQ(changesOf(replace).size(), 1U);
}

TEST(Plan, ChangesAreGuardedByThePlannedRevision) {
  auto changes = changesOf(makePlan(localSet(), snapshot(), {}));
  ASSERT_EQ(changes.size(), 4U);
  for (const auto& c : changes) {
    if (c.name == "new") {
      EXPECT_EQ(c.expected_mod_revision, 0);  // must still be absent
    } else if (c.name == "web") {
      EXPECT_EQ(c.expected_mod_revision, 7);
      EXPECT_EQ(c.action, store::ConfigChange::kPut);
    } else if (c.name == "old") {
      EXPECT_EQ(c.expected_mod_revision, 8);
      EXPECT_EQ(c.action, store::ConfigChange::kDelete);
    }
  }
}

TEST(Plan, StoredGarbageIsUpdated) {
  LoadedSet set;
  set.monitors["web"] = {"web", "m.yaml", Json{{"type", "http"}}};
  store::ConfigSnapshot s;
  s.monitors["web"] = {
      .name = "web", .text = "not json{", .value = Json(), .error = "not JSON", .mod_revision = 4};
  auto plan = makePlan(set, s, {});
  ASSERT_EQ(plan.size(), 1U);
  EXPECT_EQ(plan[0].action, PlanItem::kUpdate);
}

}  // namespace
}  // namespace ninevolt::cfgsync
