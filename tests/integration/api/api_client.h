#pragma once

// What the API tests share: one request to a `9volt server` on 127.0.0.1 and its answer.

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "support/process.h"

namespace ninevolt::apitest {

struct Reply {
  int status = 0;  // 0: nothing answered within the deadline
  std::string body;
  std::map<std::string, std::string> headers;
  // The body as a strict parser reads it (discarded when it is not valid JSON or UTF-8).
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string message() const {
    auto j = json();
    return j.is_object() && j.contains("message") && j["message"].is_string()
               ? j["message"].get<std::string>()
               : std::string();
  }
  // The problems of a 400, as "field: message" lines ("" for any other answer).
  std::string problems() const {
    std::string out;
    auto j = json();
    if (j.is_object() && j["problems"].is_array()) {
      for (const auto& p : j["problems"]) {
        out += p.value("field", "") + ": " + p.value("message", "") + "\n";
      }
    }
    return out;
  }
};

// The headers of a JSON request with the tokens the API tests start servers with
// (`-a rw-token --read-tokens ro-token`).
inline const std::map<std::string, std::string> kReadWrite{{"X-Access-Token", "rw-token"},
                                                           {"Content-Type", "application/json"}};
inline const std::map<std::string, std::string> kReadOnly{{"X-Access-Token", "ro-token"},
                                                          {"Content-Type", "application/json"}};

// One HTTP/1.1 request (deadline 20 s, scaled by the build's slowdown).
inline Reply call(uint16_t port, const std::string& method, const std::string& target,
                  const std::string& body = {},
                  const std::map<std::string, std::string>& headers = {}) {
  auto r = ninevolt::testing::httpCall(port, method, target, body, headers);
  return {r.status, std::move(r.body), std::move(r.headers)};
}

}  // namespace ninevolt::apitest
