#pragma once

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "common/yaml_json.h"
#include "config/spec.h"

namespace ninevolt::config::cfgtest {

inline nlohmann::json yaml(const std::string& text) {
  auto r = common::parseYaml(text);
  EXPECT_TRUE(r) << r.error().message;
  return r ? *r : nlohmann::json();
}

inline nlohmann::json json(const std::string& text) {
  auto r = common::parseJson(text);
  EXPECT_TRUE(r) << r.error().message;
  return r ? *r : nlohmann::json();
}

inline std::vector<std::string> strings(const Problems& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) {
    out.push_back(p.toString());
  }
  return out;
}

struct ParsedMonitor {
  std::optional<MonitorSpec> spec;
  std::vector<std::string> problems;
};

inline ParsedMonitor monitor(const nlohmann::json& value, const std::string& name = "web") {
  Problems problems;
  ParsedMonitor out;
  out.spec = parseMonitor(name, value, problems);
  out.problems = strings(problems);
  // The contract: a spec exactly when there is no problem.
  EXPECT_EQ(out.spec.has_value(), problems.empty());
  return out;
}

inline ParsedMonitor monitorYaml(const std::string& text, const std::string& name = "web") {
  return monitor(yaml(text), name);
}

struct ParsedAlerter {
  std::optional<AlerterSpec> spec;
  std::vector<std::string> problems;
};

inline ParsedAlerter alerter(const nlohmann::json& value, const std::string& name = "a1") {
  Problems problems;
  ParsedAlerter out;
  out.spec = parseAlerter(name, value, problems);
  out.problems = strings(problems);
  EXPECT_EQ(out.spec.has_value(), problems.empty());
  return out;
}

// Every field of a spec as JSON, so two specs compare (and print) in one EXPECT_EQ.
inline nlohmann::json effective(const MonitorSpec& s) {
  nlohmann::json j = effectiveMonitor(s);
  j["name"] = s.name;
  j["raw"] = s.raw;
  return j;
}

// The type's own fields of a parsed spec (T = HttpSpec, TcpSpec, ...).
template <class T>
const T& typed(const std::optional<MonitorSpec>& spec) {
  EXPECT_TRUE(spec.has_value());
  return spec->options<T>();
}

}  // namespace ninevolt::config::cfgtest
