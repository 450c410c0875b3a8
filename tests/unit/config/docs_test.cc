// docs/configs.md is the user's reference: every complete YAML example in it must be accepted
// as written, so the page cannot drift from the parser.

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config/maintenance.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/maintenance.h"
#include "config/spec.h"
#include "helpers.h"
#include "support/check_types.h"

namespace ninevolt::config {
namespace {

std::vector<std::string> yamlBlocks(const std::string& markdown) {
  std::vector<std::string> blocks;
  const std::string open = "```yaml\n";
  size_t pos = 0;
  while ((pos = markdown.find(open, pos)) != std::string::npos) {
    pos += open.size();
    size_t end = markdown.find("```", pos);
    if (end == std::string::npos) {
      break;
    }
    blocks.push_back(markdown.substr(pos, end - pos));
    pos = end + 3;
  }
  return blocks;
}

TEST(Docs, EveryExampleIsAccepted) {
  std::ifstream in(NV_CONFIGS_MD);
  ASSERT_TRUE(in) << "cannot read " << NV_CONFIGS_MD;
  std::stringstream text;
  text << in.rdbuf();
  auto blocks = yamlBlocks(text.str());
  ASSERT_GE(blocks.size(), 8u);

  Problems problems;
  std::set<std::string> alerter_names;
  std::set<std::string> alerter_types;
  std::vector<MonitorSpec> monitors;
  int checked = 0;
  int windows = 0;  // maintenance windows
  // A build without some check types (NINEVOLT_CHECK_TYPES) leaves out the examples that use
  // them, checks the others, and then skips, naming the types.
  std::set<std::string> left_out;
  int blocks_left_out = 0;
  for (const auto& block : blocks) {
    // Schema sketches ("{...}", "<name>") are not meant to parse.
    if (block.find("...") != std::string::npos || block.find('<') != std::string::npos) {
      continue;
    }
    SCOPED_TRACE(block);
    Document doc = splitDocument(cfgtest::yaml(block), problems);
    ASSERT_TRUE(doc.has_monitor || doc.has_alerter || doc.has_maintenance);
    bool lacks_type = false;
    for (const auto& [name, value] : doc.monitors.items()) {
      if (value.is_object() && value.contains("type") && value["type"].is_string()
          && !ninevolt::testing::checkTypeBuilt(value["type"].get<std::string>())) {
        left_out.insert(value["type"].get<std::string>());
        lacks_type = true;
      }
    }
    if (lacks_type) {
      ++blocks_left_out;
      continue;
    }
    for (const auto& [name, value] : doc.alerters.items()) {
      if (auto a = parseAlerter(name, value, problems)) {
        alerter_names.insert(a->name);
        alerter_types.insert(a->type);
      }
    }
    for (const auto& [name, value] : doc.monitors.items()) {
      if (auto m = parseMonitor(name, value, problems)) {
        monitors.push_back(*m);
      }
    }
    for (const auto& [name, value] : doc.maintenance.items()) {
      if (parseMaintenance(name, value, problems)) {
        ++windows;
      }
    }
    ++checked;
  }
  EXPECT_GE(checked + blocks_left_out, 8);
  EXPECT_GE(windows, 2) << "docs/configs.md shows a one-off and a recurring maintenance window";
  EXPECT_THAT(cfgtest::strings(problems), ::testing::IsEmpty());
  std::set<std::string_view> types;
  for (const auto& m : monitors) {
    types.insert(m.typeName());
    EXPECT_THAT(cfgtest::strings(checkAlerterReferences(m, alerter_names)), ::testing::IsEmpty());
  }
  EXPECT_EQ(types.size(), checkTypes().size());  // one example per check type
  EXPECT_EQ(alerter_types.size(), 4u);           // one example (at least) per alerter type
  // Every example names a type 9volt has, built or not.
  const auto all = ninevolt::testing::splitCheckTypes(NINEVOLT_ALL_CHECK_TYPES);
  for (const auto& type : left_out) {
    EXPECT_NE(std::find(all.begin(), all.end(), type), all.end()) << type;
  }
  if (!left_out.empty()) {
    std::string names;
    for (const auto& type : left_out) {
      names += (names.empty() ? "'" : ", '") + type + "'";
    }
    GTEST_SKIP() << "checked the other examples; left out those of check type " << names
                 << ", which this build lacks (it has " << NINEVOLT_BUILT_CHECK_TYPES << ")";
  }
}

}  // namespace
}  // namespace ninevolt::config
