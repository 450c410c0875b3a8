// parseAlerter: {"type","description","options":{...}}, options checked against a per-type
// table (required / default), then a few per-type value rules.

#include <algorithm>

#include <fmt/format.h>

#include "config/spec.h"
#include "config/values.h"

namespace ninevolt::config {
namespace {

using detail::ProblemSink;
using nlohmann::json;
using Options = std::map<std::string, std::string>;

struct OptionDesc {
  std::string_view name;
  bool required;
  std::string_view default_value;  // applied when absent; "" = none
};

struct AlerterType {
  std::string_view name;
  std::vector<OptionDesc> options;
  void (*validate)(const Options&, ProblemSink&);
};

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

void validateEmail(const Options& o, ProblemSink& sink) {
  if (auto it = o.find("address"); it != o.end() && !it->second.empty()) {
    // host:port; rfind so "[::1]:25" splits at the port.
    const std::string& a = it->second;
    size_t colon = a.rfind(':');
    std::string_view port = colon == std::string::npos ? "" : std::string_view(a).substr(colon + 1);
    int n = 0;
    bool digits = !port.empty() && port.size() <= 5
                  && port.find_first_not_of("0123456789") == std::string_view::npos;
    if (digits) {
      n = std::stoi(std::string(port));
    }
    if (colon == 0 || colon == std::string::npos || !digits || n < 1 || n > 65535) {
      sink.add("options.address", fmt::format("must be host:port (e.g. \"smtp.example.com:587\"), "
                                              "got \"{}\"",
                                              a));
    }
  }
  if (auto it = o.find("to");
      it != o.end() && !it->second.empty() && it->second.find('@') == std::string::npos) {
    sink.add("options.to", fmt::format("must be an email address, got \"{}\"", it->second));
  }
  if (auto it = o.find("auth"); it != o.end()) {
    if (it->second != "plain" && it->second != "md5") {
      sink.add("options.auth", fmt::format(R"(must be "plain" or "md5", got "{}")", it->second));
    } else if (o.count("username") == 0 || o.count("password") == 0) {
      sink.add("options.auth", "needs both username and password");
    }
  }
}

void validateWebhook(const Options& o, ProblemSink& sink) {
  if (auto it = o.find("url"); it != o.end() && !it->second.empty()
                               && !startsWith(it->second, "http://")
                               && !startsWith(it->second, "https://")) {
    sink.add("options.url",
             fmt::format("must start with http:// or https://, got \"{}\"", it->second));
  }
  if (auto it = o.find("method"); it != o.end() && it->second != "POST" && it->second != "PUT") {
    sink.add("options.method", fmt::format("must be POST or PUT, got \"{}\"", it->second));
  }
}

void validateNothing(const Options&, ProblemSink&) {}

const std::vector<AlerterType>& alerterTypes() {
  static const std::vector<AlerterType> kTypes{
      {"slack",
       {{"token", true, ""},
        {"channel", true, ""},
        {"username", false, "9volt-bot"},
        {"icon-url", false, ""}},
       validateNothing},
      {"pagerduty", {{"token", true, ""}}, validateNothing},
      {"email",
       {{"address", true, ""},
        {"to", true, ""},
        {"from", false, "9volt-alerter@example.com"},
        {"username", false, ""},
        {"password", false, ""},
        {"auth", false, ""}},
       validateEmail},
      {"webhook",
       {{"url", true, ""}, {"method", false, "POST"}, {"secret", false, ""}},
       validateWebhook},
  };
  return kTypes;
}

const AlerterType* readType(const json& value, ProblemSink& sink) {
  auto it = value.find("type");
  if (it == value.end() || it->is_null()) {
    sink.add("type", "required field is missing (one of slack, pagerduty, email, webhook)");
    return nullptr;
  }
  auto text = detail::readString(*it, "type", sink);
  if (!text) {
    return nullptr;
  }
  std::vector<std::string_view> names;
  for (const auto& t : alerterTypes()) {
    if (t.name == *text) {
      return &t;
    }
    names.push_back(t.name);
  }
  sink.add("type", fmt::format("unknown alerter type '{}'{}; one of slack, pagerduty, email, "
                               "webhook",
                               *text, detail::hint(*text, names)));
  return nullptr;
}

// Reads `options` against the type's table; problems name "options.<key>".
void readOptions(const json& options, const AlerterType& type, AlerterSpec& spec,
                 ProblemSink& sink) {
  std::vector<std::string_view> names;
  for (const auto& o : type.options) {
    names.push_back(o.name);
  }
  for (const auto& [key, v] : options.items()) {
    const std::string field = "options." + key;
    auto known = std::find_if(type.options.begin(), type.options.end(),
                              [&key = key](const OptionDesc& o) { return o.name == key; });
    if (known == type.options.end()) {
      sink.add("options", fmt::format("unknown option '{}' for type {}{}", key, type.name,
                                      detail::hint(key, names)));
      continue;
    }
    if (auto s = detail::readString(v, field, sink)) {
      spec.options[key] = *s;
    }
  }
  for (const auto& o : type.options) {
    auto it = spec.options.find(std::string(o.name));
    if (it == spec.options.end() && !options.contains(o.name)) {
      if (o.required) {
        sink.add("options." + std::string(o.name), "required option is missing");
      } else if (!o.default_value.empty()) {
        spec.options[std::string(o.name)] = std::string(o.default_value);
      }
    } else if (it != spec.options.end() && o.required && it->second.empty()) {
      sink.add("options." + std::string(o.name), "must not be empty");
    }
  }
  type.validate(spec.options, sink);
}

}  // namespace

std::optional<AlerterSpec> parseAlerter(std::string_view name, const nlohmann::json& value,
                                        Problems& problems) {
  ProblemSink sink(fmt::format("alerter '{}'", name), problems);
  if (!validName(name)) {
    sink.add("", "invalid name: use 1 to 128 characters from A-Z a-z 0-9 . _ -");
  }
  if (!value.is_object()) {
    sink.add("",
             "expected a map with type, description and options, got " + detail::describe(value));
    return std::nullopt;
  }
  AlerterSpec spec;
  spec.name = std::string(name);
  spec.raw = value;
  const AlerterType* type = readType(value, sink);
  if (type != nullptr) {
    spec.type = std::string(type->name);
  }
  for (const auto& [key, v] : value.items()) {
    if (key == "type" || key == "options") {
      continue;
    }
    if (key == "description") {
      if (!v.is_null()) {
        spec.description = detail::readString(v, key, sink).value_or("");
      }
      continue;
    }
    bool is_option = type != nullptr
                     && std::any_of(type->options.begin(), type->options.end(),
                                    [&key = key](const OptionDesc& o) { return o.name == key; });
    sink.add("", is_option ? fmt::format("unknown field '{}' (it is an option: put it under "
                                         "'options')",
                                         key)
                           : fmt::format("unknown field '{}'{}", key,
                                         detail::hint(key, {"type", "description", "options"})));
  }
  json options = json::object();
  if (auto it = value.find("options"); it != value.end() && !it->is_null()) {
    if (it->is_object()) {
      options = *it;
    } else {
      sink.add("options", "expected a map of strings, got " + detail::describe(*it));
    }
  }
  if (type != nullptr) {
    readOptions(options, *type, spec, sink);
  }
  if (!sink.clean() || type == nullptr) {
    return std::nullopt;
  }
  return spec;
}

}  // namespace ninevolt::config
