#pragma once

#include <cstdint>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "config/spec.h"

namespace ninevolt::checks::http::testing {

// An http monitor named "web" from JSON fields, over the test defaults (127.0.0.1, a 2 s
// timeout); a field the config rejects fails the test.
inline config::MonitorSpec httpSpec(uint16_t port, const nlohmann::json& fields) {
  nlohmann::json value = {{"type", "http"},
                          {"host", "127.0.0.1"},
                          {"port", port},
                          {"interval", "30s"},
                          {"timeout", "2s"}};
  value.update(fields);
  config::Problems problems;
  auto parsed = config::parseMonitor("web", value, problems);
  for (const auto& p : problems) {
    ADD_FAILURE() << p.toString();
  }
  return parsed.value_or(config::MonitorSpec{});
}

}  // namespace ninevolt::checks::http::testing
