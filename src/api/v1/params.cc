#include "api/v1/params.h"

#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/printable.h"
#include "common/utf8.h"
#include "common/yaml_json.h"

namespace ninevolt::api::v1 {

void badParam(config::Problems& problems, const std::string& name, const std::string& message) {
  problems.push_back({"", "query", name, message});
}

size_t limitParam(const Request& request, size_t default_limit, size_t max_limit,
                  config::Problems& problems) {
  auto text = request.queryValue("limit");
  if (!text) {
    return default_limit;
  }
  size_t v = 0;
  auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || p != text->data() + text->size() || v < 1 || v > max_limit) {
    badParam(
        problems, "limit",
        fmt::format("'{}' is not a whole number in 1..{}", common::printable(*text), max_limit));
    return default_limit;
  }
  return v;
}

std::optional<bool> boolParam(const Request& request, const std::string& name,
                              config::Problems& problems) {
  auto text = request.queryValue(name);
  if (!text) {
    return std::nullopt;
  }
  if (*text == "true" || *text == "1" || *text == "yes") {
    return true;
  }
  if (*text == "false" || *text == "0" || *text == "no") {
    return false;
  }
  badParam(problems, name, fmt::format("'{}' is not true or false", common::printable(*text)));
  return std::nullopt;
}

Response storeError(const Error& error) {
  spdlog::warn("api: etcd: {}", error.message);
  int status = error.code == Errc::kDeadlineExceeded ? 504 : 503;
  return Response::error(status, "etcd: " + error.message);
}

Response ok(int status, nlohmann::json extra) {
  nlohmann::json body{{"status", "ok"}};
  body.update(extra);
  return Response::json(status, common::dumpJson(body));
}

}  // namespace ninevolt::api::v1
