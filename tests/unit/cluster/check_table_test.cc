#include "cluster/check_table.h"

#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ninevolt::cluster {
namespace {

using Reference = std::map<std::string, CheckTable::Entry>;

void expectSame(CheckTable& table, const Reference& want, const std::string& when) {
  ASSERT_EQ(table.size(), want.size()) << when;
  for (const auto& [name, entry] : want) {
    auto got = table.find(name);
    ASSERT_TRUE(got) << when << ": " << name << " missing";
    EXPECT_EQ(got->tag, entry.tag) << when << ": " << name;
    EXPECT_EQ(got->disabled, entry.disabled) << when << ": " << name;
  }
  auto it = want.begin();
  size_t walked = 0;
  table.forEach([&](std::string_view name, CheckTable::Entry entry) {
    ASSERT_NE(it, want.end()) << when << ": more names than expected, " << name;
    EXPECT_EQ(name, it->first) << when << ": order";
    EXPECT_EQ(entry.tag, it->second.tag) << when << ": " << name;
    ++it;
    ++walked;
  });
  EXPECT_EQ(walked, want.size()) << when;
}

TEST(CheckTableTest, AgreesWithAMapThroughAppendsChangesAndFolds) {
  CheckTable table;
  Reference want;
  std::mt19937 rng(20261205);
  auto name = [&](int i) { return "check-" + std::to_string(i); };
  // Appends in order (the director's paged read), then random puts, re-puts and erases:
  // more than 4,096 pending changes, so several folds happen between the checks.
  for (int i = 0; i < 20000; ++i) {
    const std::string n = "a" + std::to_string(100000 + i);  // increasing byte order
    table.put(n, {static_cast<uint32_t>(i % 7), i % 11 == 0});
    want[n] = {static_cast<uint32_t>(i % 7), i % 11 == 0};
  }
  expectSame(table, want, "after the appends");
  for (int round = 0; round < 5; ++round) {
    for (int k = 0; k < 6000; ++k) {
      const int pick = static_cast<int>(rng() % 30000);
      const std::string n = rng() % 2 == 0 ? name(pick) : "a" + std::to_string(100000 + pick);
      if (rng() % 3 == 0) {
        EXPECT_EQ(table.erase(n), want.erase(n) == 1) << n;
      } else {
        const CheckTable::Entry e{static_cast<uint32_t>(rng() % 1000), rng() % 2 == 0};
        table.put(n, e);
        want[n] = e;
      }
      if (k % 1000 == 0) {
        ASSERT_EQ(table.size(), want.size());
        EXPECT_EQ(table.contains(n), want.contains(n)) << n;
      }
    }
    expectSame(table, want, "round " + std::to_string(round));
  }
  table.clear();
  want.clear();
  expectSame(table, want, "after clear");
  table.put("z", {});
  EXPECT_TRUE(table.contains("z"));
}

TEST(CheckTableTest, EraseOfWhatIsNotThereChangesNothing) {
  CheckTable table;
  table.put("b", {1, false});
  EXPECT_FALSE(table.erase("a"));
  EXPECT_TRUE(table.erase("b"));
  EXPECT_FALSE(table.erase("b"));
  EXPECT_EQ(table.size(), 0u);
  table.put("b", {2, true});  // back after an erase of a folded entry
  ASSERT_TRUE(table.find("b"));
  EXPECT_EQ(table.find("b")->tag, 2u);
  EXPECT_TRUE(table.find("b")->disabled);
  EXPECT_EQ(table.size(), 1u);
  table.put("", {});  // no monitor has an empty name
  EXPECT_EQ(table.size(), 1u);
}

// What it is for: a director holds every monitor of the cluster.
TEST(CheckTableTest, HoldsAHundredThousandNamesInAboutTheirBytes) {
  CheckTable table;
  size_t name_bytes = 0;
  for (int i = 0; i < 100000; ++i) {
    const std::string n = "web-" + std::to_string(1000000 + i);  // 11 bytes
    name_bytes += n.size();
    table.put(n, {});
  }
  table.forEach([](std::string_view, CheckTable::Entry) {});
  // Names and an 8-byte slot each, with the growth slack of two vectors: at most twice
  // that, where a std::map node alone is ~80 bytes.
  EXPECT_LE(table.bytes(), 2 * (name_bytes + 8 * 100000));
}

}  // namespace
}  // namespace ninevolt::cluster
