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
  auto dur = [](common::Nanos d) { return common::formatDuration(d); };
  nlohmann::json j{
      {"name", s.name},
      {"type", std::string(checkTypeName(s.type))},
      {"description", s.description},
      {"host", s.host},
      {"port", s.port},
      {"interval", dur(s.interval)},
      {"timeout", dur(s.timeout)},
      {"expect", s.expect},
      {"disable", s.disable},
      {"tags", s.tags},
      {"member-tag", s.member_tag},
      {"warning-threshold", s.warning_threshold},
      {"critical-threshold", s.critical_threshold},
      {"warning-alerter", s.warning_alerter},
      {"critical-alerter", s.critical_alerter},
      {"url", s.url},
      {"method", s.method},
      {"ssl", s.ssl},
      {"status-code", s.status_code},
      {"request-body", s.request_body},
      {"headers", s.headers},
      {"tls-verify", s.tls_verify},
      {"follow-redirects", s.follow_redirects},
      {"cert-expiry-warning", s.cert_expiry_warning ? dur(*s.cert_expiry_warning) : "unset"},
      {"max-body", s.max_body},
      {"send", s.send},
      {"read-timeout", dur(s.read_timeout)},
      {"write-timeout", dur(s.write_timeout)},
      {"read-size", s.read_size},
      {"dns-target", s.dns_target},
      {"dns-record-type", s.dns_record_type},
      {"dns-max-time", s.dns_max_time ? dur(*s.dns_max_time) : "unset"},
      {"dns-expected-count", s.dns_expected_count ? *s.dns_expected_count : -1},
      {"has-expect-regex", s.expect_regex != nullptr},
      {"command", s.command},
      {"args", s.args},
      {"return-code", s.return_code},
      {"plugin", s.plugin},
      {"max-output", s.max_output},
      {"raw", s.raw},
  };
  return j;
}

}  // namespace ninevolt::config::cfgtest
