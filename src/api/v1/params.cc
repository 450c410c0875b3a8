#include "api/v1/params.h"

#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "api/escape.h"

namespace ninevolt::api::v1 {

void badParam(config::Problems& problems, const std::string& name, const std::string& message) {
  problems.push_back({"", "query", name, message});
}

namespace {

constexpr size_t kMaxNameBytes = 128;  // config::validName's

bool nameCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
         || c == '_' || c == '-';
}

}  // namespace

std::optional<std::string> nameProblem(std::string_view name) {
  constexpr const char* kRule = "use 1 to 128 of A-Z a-z 0-9 . _ - (not '.' or '..')";
  auto problem = [&](const std::string& what) {
    return fmt::format("invalid name: {}; {}", what, kRule);
  };
  if (name.empty()) {
    return problem("it is empty");
  }
  if (name.size() > kMaxNameBytes) {
    return problem(fmt::format("it is {} bytes long", name.size()));
  }
  for (size_t at = 0; at < name.size(); ++at) {
    if (nameCharacter(name[at])) {
      continue;
    }
    char32_t cp = 0;
    const size_t length = utf8SequenceAt(name, at, cp);
    if (length == 0) {
      return problem(fmt::format("byte 0x{:02x} at position {} is not valid UTF-8",
                                 static_cast<unsigned char>(name[at]), at + 1));
    }
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
      return problem(fmt::format("control character U+{:04X} at position {} is not allowed",
                                 static_cast<uint32_t>(cp), at + 1));
    }
    return problem(fmt::format("character '{}' (U+{:04X}) at position {} is not allowed",
                               name.substr(at, length), static_cast<uint32_t>(cp), at + 1));
  }
  if (name == "." || name == "..") {
    return problem(fmt::format("'{}' is not a name", name));
  }
  return std::nullopt;
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
    badParam(problems, "limit",
             fmt::format("'{}' is not a whole number in 1..{}", printable(*text), max_limit));
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
  badParam(problems, name, fmt::format("'{}' is not true or false", printable(*text)));
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
  return Response::json(status, jsonText(body));
}

}  // namespace ninevolt::api::v1
