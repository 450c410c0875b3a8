#include "api/request.h"

#include <cctype>
#include <charconv>

#include <nlohmann/json.hpp>

#include "common/printable.h"
#include "common/strings.h"
#include "common/utf8.h"
#include "common/yaml_json.h"

namespace ninevolt::api {

const std::string* Request::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? nullptr : &it->second;
}

std::optional<std::string> Request::queryValue(const std::string& key) const {
  auto it = query.find(key);
  if (it == query.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::string Request::param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

Response Response::json(int status, const std::string& body) {
  return Response{status, "application/json", body, {}};
}

Response Response::text(int status, const std::string& body) {
  return Response{status, "text/plain; charset=utf-8", body, {}};
}

namespace {

// Messages often quote what the client sent (a name, a parameter, the JSON parser's "last
// read"): one that is not UTF-8 is shown with its bad bytes (and control characters) as \xNN
// rather than as U+FFFD, so the client sees what was wrong. Never cut.
std::string shown(const std::string& text) {
  return common::validUtf8(text) ? text : common::printable(text, std::string::npos);
}

}  // namespace

Response Response::error(int status, const std::string& message) {
  return json(status, common::dumpJson({{"status", "error"}, {"message", shown(message)}}));
}

Response Response::problems(int status, const config::Problems& problems) {
  std::string message;
  auto list = nlohmann::json::array();
  for (const auto& p : problems) {
    if (!message.empty()) {
      message += "; ";
    }
    message += p.toString();
    list.push_back(
        {{"object", shown(p.object)}, {"field", shown(p.field)}, {"message", shown(p.message)}});
  }
  nlohmann::json body{{"status", "error"}, {"message", shown(message)}, {"problems", list}};
  return json(status, common::dumpJson(body));
}

std::string percentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  for (size_t i = 0; i < s.size(); ++i) {
    // Two hex digits exactly (from_chars alone would take "%-1" as -1).
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) && hex(s[i + 2])) {
      unsigned v = 0;
      std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      out += static_cast<char>(v);
      i += 2;
      continue;
    }
    out += (plus_is_space && s[i] == '+') ? ' ' : s[i];
  }
  return out;
}

void parseTarget(std::string_view target, Request& into) {
  auto q = target.find('?');
  into.raw_path = std::string(target.substr(0, q));
  into.path = percentDecode(into.raw_path, false);
  if (q == std::string_view::npos) {
    return;
  }
  std::string_view rest = target.substr(q + 1);
  auto hash = rest.find('#');
  rest = rest.substr(0, hash);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      std::string key = percentDecode(pair.substr(0, eq), true);
      std::string value =
          eq == std::string_view::npos ? "" : percentDecode(pair.substr(eq + 1), true);
      into.query[key] = value;
    }
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
  }
}

std::vector<std::string> splitList(std::string_view text) {
  std::vector<std::string> out;
  while (true) {
    auto comma = text.find(',');
    std::string item(common::trim(text.substr(0, comma)));
    if (!item.empty()) {
      out.push_back(std::move(item));
    }
    if (comma == std::string_view::npos) {
      break;
    }
    text = text.substr(comma + 1);
  }
  return out;
}

}  // namespace ninevolt::api
