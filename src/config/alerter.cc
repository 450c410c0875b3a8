// parseAlerter: {"type","description","options":{...}}, options checked against a per-type
// table (required / non-empty / default / secret), then per-type rules for what one option
// cannot say alone (token or webhook-url, auth needs TLS, ...). Also the secret handling of
// alerter_options.h, which reads the same table.

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "common/strings.h"
#include "common/utf8.h"
#include "common/yaml_json.h"
#include "config/alerter_options.h"
#include "config/escalation.h"
#include "config/spec.h"
#include "config/values.h"

namespace ninevolt::config {
namespace {

using detail::ProblemSink;
using nlohmann::json;
using Options = std::map<std::string, std::string>;

// The options as read: values that are strings, and every key written (a key with a value of
// the wrong type is already a problem; it still counts as given, so "token or webhook-url"
// does not add a second, wrong one).
struct Given {
  const Options& values;
  std::set<std::string> keys;

  bool has(const char* name) const { return keys.count(name) != 0; }
  const std::string* find(const char* name) const {
    auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second;
  }
};

struct OptionDesc {
  std::string_view name;
  bool required = false;
  bool non_empty = false;          // when present, "" is a problem (required implies it)
  std::string_view default_value;  // applied when absent; "" = none
  bool secret = false;             // never shown (redactedAlerter, error text)
};

struct AlerterType {
  std::string_view name;
  std::vector<OptionDesc> options;
  void (*validate)(const Given&, ProblemSink&);
};

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// For options that hold a URL the alerter sends to.
void requireHttpUrl(const Given& o, const char* name, ProblemSink& sink, bool show_value) {
  const std::string* v = o.find(name);
  if (v == nullptr || v->empty() || startsWith(*v, "http://") || startsWith(*v, "https://")) {
    return;
  }
  sink.add(std::string("options.") + name,
           show_value ? fmt::format("must start with http:// or https://, got \"{}\"", *v)
                      : "must start with http:// or https://");
}

void validateSlack(const Given& o, ProblemSink& sink) {
  const bool token = o.has("token");
  const bool webhook = o.has("webhook-url");
  if (!token && !webhook) {
    sink.add("options.token",
             "required option is missing (or webhook-url, to post through an incoming webhook)");
  } else if (token && webhook) {
    sink.add("options.webhook-url",
             "use either token (Web API) or webhook-url (incoming webhook), not both");
  } else if (token && !o.has("channel")) {
    sink.add("options.channel", "required option is missing (the Web API needs a channel)");
  } else if (webhook && o.has("channel")) {
    sink.add("options.channel",
             "not used with webhook-url: an incoming webhook posts to the channel it was made for");
  }
  requireHttpUrl(o, "webhook-url", sink, false);
  requireHttpUrl(o, "api-url", sink, true);
}

void validatePagerDuty(const Given& o, ProblemSink& sink) {
  if (!o.has("routing-key") && !o.has("token")) {
    sink.add("options.routing-key",
             "required option is missing (the Events API v2 integration key; 'token' is accepted "
             "as its old name)");
  } else if (o.has("routing-key") && o.has("token")) {
    sink.add("options.token", "use either routing-key or token (its old name), not both");
  }
  requireHttpUrl(o, "api-url", sink, true);
}

bool plausibleAddress(std::string_view a) {
  return a.find('@') != std::string_view::npos
         && a.find_first_of(" \t\r\n,<>") == std::string_view::npos;
}

void validateEmail(const Given& o, ProblemSink& sink) {
  if (const std::string* it = o.find("address"); it != nullptr && !it->empty()) {
    // host:port; rfind so "[::1]:25" splits at the port.
    const std::string& a = *it;
    size_t colon = a.rfind(':');
    std::string_view port = colon == std::string::npos ? "" : std::string_view(a).substr(colon + 1);
    int n = 0;
    bool digits = !port.empty() && port.size() <= 5
                  && port.find_first_not_of("0123456789") == std::string_view::npos;
    if (digits) {
      n = std::stoi(std::string(port));
    }
    if (colon == 0 || colon == std::string::npos || !digits || n < 1 || n > 65535
        || a.find_first_of(" /?#@") != std::string::npos) {
      sink.add("options.address", fmt::format("must be host:port (e.g. \"smtp.example.com:587\"), "
                                              "got \"{}\"",
                                              a));
    }
  }
  if (const std::string* it = o.find("to"); it != nullptr && !it->empty()) {
    auto list = splitAddressList(*it);
    if (list.empty()) {
      sink.add("options.to", "must name at least one email address");
    }
    for (const auto& address : list) {
      if (!plausibleAddress(address)) {
        sink.add("options.to", fmt::format("must be an email address (or a comma-separated list "
                                           "of them), got \"{}\"",
                                           address));
      }
    }
  }
  if (const std::string* it = o.find("from"); it != nullptr && !it->empty()) {
    // "Name <a@b>" is allowed; the envelope sender is the part in brackets.
    std::string_view from = *it;
    size_t lt = from.find('<');
    std::string_view address =
        lt == std::string_view::npos ? from : from.substr(lt + 1, from.rfind('>') - lt - 1);
    if (!plausibleAddress(address) || from.find_first_of("\r\n") != std::string_view::npos
        || (lt != std::string_view::npos && from.back() != '>')) {
      sink.add("options.from",
               fmt::format(R"(must be an email address (or "Name <address>"), got "{}")", from));
    }
  }
  const std::string tls = o.find("tls") != nullptr ? *o.find("tls") : "starttls";
  if (tls != "starttls" && tls != "none" && tls != "implicit") {
    sink.add("options.tls",
             fmt::format(R"(must be "starttls", "implicit" or "none", got "{}")", tls));
  }
  const bool credentials = o.has("username") || o.has("password");
  if (const std::string* it = o.find("auth"); it != nullptr) {
    if (*it != "plain" && *it != "login" && *it != "md5") {
      sink.add("options.auth", fmt::format(R"(must be "plain", "login" or "md5", got "{}")", *it));
    } else if (!o.has("username") || !o.has("password")) {
      sink.add("options.auth", "needs both username and password");
    }
  } else if (credentials && (!o.has("username") || !o.has("password"))) {
    sink.add(o.has("username") ? "options.password" : "options.username",
             "username and password go together");
  }
  if ((credentials || o.has("auth")) && tls == "none") {
    sink.add("options.tls",
             "must be starttls or implicit when credentials are set (they are never sent in "
             "clear text)");
  }
  if (const std::string* it = o.find("tls-verify");
      it != nullptr && *it != "true" && *it != "false") {
    sink.add("options.tls-verify", fmt::format(R"(must be "true" or "false", got "{}")", *it));
  }
  if (o.has("ca-file") && tls == "none") {
    sink.add("options.ca-file", "has no effect with tls: none");
  }
}

void validateWebhook(const Given& o, ProblemSink& sink) {
  requireHttpUrl(o, "url", sink, true);
  if (const std::string* it = o.find("method"); it != nullptr && *it != "POST" && *it != "PUT") {
    sink.add("options.method", fmt::format("must be POST or PUT, got \"{}\"", *it));
  }
  if (const std::string* it = o.find("headers"); it != nullptr) {
    if (auto parsed = parseHeaderLines(*it); !parsed) {
      sink.add("options.headers", parsed.error().message);
    }
  }
}

const std::vector<AlerterType>& alerterTypes() {
  static const std::vector<AlerterType> kTypes{
      {"slack",
       {{.name = "token", .non_empty = true, .secret = true},
        {.name = "webhook-url", .non_empty = true, .secret = true},
        {.name = "channel", .non_empty = true},
        {.name = "username", .default_value = "9volt-bot"},
        {.name = "icon-url"},
        {.name = "api-url", .non_empty = true, .default_value = "https://slack.com/api"}},
       validateSlack},
      {"pagerduty",
       {{.name = "routing-key", .non_empty = true, .secret = true},
        {.name = "token", .non_empty = true, .secret = true},
        {.name = "api-url", .non_empty = true, .default_value = "https://events.pagerduty.com"}},
       validatePagerDuty},
      {"email",
       {{.name = "address", .required = true},
        {.name = "to", .required = true},
        {.name = "from", .non_empty = true, .default_value = "9volt-alerter@example.com"},
        {.name = "username", .non_empty = true},
        {.name = "password", .non_empty = true, .secret = true},
        {.name = "auth"},
        {.name = "tls", .default_value = "starttls"},
        {.name = "ca-file", .non_empty = true},
        {.name = "tls-verify", .default_value = "true"}},
       validateEmail},
      {"webhook",
       {{.name = "url", .required = true},
        {.name = "method", .default_value = "POST"},
        {.name = "headers", .secret = true},
        {.name = "secret", .non_empty = true, .secret = true}},
       validateWebhook},
  };
  return kTypes;
}

const AlerterType* findType(std::string_view name) {
  for (const auto& t : alerterTypes()) {
    if (t.name == name) {
      return &t;
    }
  }
  return nullptr;
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
  if (const AlerterType* type = findType(*text)) {
    return type;
  }
  std::vector<std::string_view> names;
  for (const auto& t : alerterTypes()) {
    names.push_back(t.name);
  }
  sink.add("type", fmt::format("unknown alerter type '{}'{}; one of slack, pagerduty, email, "
                               "webhook",
                               *text, detail::hint(*text, names)));
  return nullptr;
}

// Reads `options` against the type's table; problems name "options.<key>". A secret's value
// is never quoted in a problem (problems reach API replies and logs).
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
    if (known->secret && !v.is_string()) {
      // The type only: a secret written as a number must not be quoted back.
      sink.add(field, fmt::format("expected a string, got {} (value not shown: {} is secret)",
                                  common::jsonTypeName(v), key));
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
    } else if (it != spec.options.end() && (o.required || o.non_empty) && it->second.empty()) {
      sink.add("options." + std::string(o.name), "must not be empty");
    }
  }
  Given given{spec.options, {}};
  for (const auto& [key, v] : options.items()) {
    given.keys.insert(key);
  }
  for (const auto& [key, v] : spec.options) {
    given.keys.insert(key);  // defaults count as given
  }
  type.validate(given, sink);
}

bool isTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0
         || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::optional<AlerterSpec> parseAlerter(std::string_view name, const nlohmann::json& value,
                                        Problems& problems) {
  ProblemSink sink(fmt::format("alerter '{}'", common::printable(name)), problems);
  if (std::string why = nameProblem(name); !why.empty()) {
    sink.add("", why);
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
    if (key == "reminder-interval") {
      if (!v.is_null()) {
        spec.reminder_interval = detail::readDuration(v, key, sink);
        checkReminderInterval(spec.reminder_interval, "reminder-interval", sink);
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
                                         detail::hint(key, {"type", "description", "options",
                                                            "reminder-interval"})));
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

bool isSecretOption(std::string_view type, std::string_view option) {
  const AlerterType* t = findType(type);
  if (t == nullptr) {
    return false;
  }
  return std::any_of(t->options.begin(), t->options.end(),
                     [&](const OptionDesc& o) { return o.name == option && o.secret; });
}

json redactedAlerter(const AlerterSpec& spec) {
  json out = spec.raw;
  if (!out.is_object()) {
    out = json{{"type", spec.type}, {"description", spec.description}, {"options", spec.options}};
  }
  auto options = out.find("options");
  if (options == out.end() || !options->is_object()) {
    return out;
  }
  for (auto& [key, v] : options->items()) {
    if (!isSecretOption(spec.type, key)) {
      continue;
    }
    if (key == "headers" && v.is_string()) {
      // Names help whoever reads the config; values (Authorization, API keys) do not show.
      std::string shown;
      if (auto headers = parseHeaderLines(v.get<std::string>())) {
        for (const auto& [header, value] : *headers) {
          shown += fmt::format("{}: {}\n", header, kRedacted);
        }
        v = shown;
        continue;
      }
    }
    v = kRedacted;
  }
  return out;
}

std::vector<std::string> alerterSecretValues(const AlerterSpec& spec) {
  std::vector<std::string> out;
  for (const auto& [key, value] : spec.options) {
    if (!isSecretOption(spec.type, key) || value.empty()) {
      continue;
    }
    out.push_back(value);
    if (key == "headers") {
      if (auto headers = parseHeaderLines(value)) {
        for (const auto& header : *headers) {
          out.push_back(header.second);
        }
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return out;
}

Result<HeaderList> parseHeaderLines(std::string_view text) {
  HeaderList out;
  int line_no = 0;
  for (const auto& raw_line : common::split(text, '\n', false)) {
    ++line_no;
    std::string_view line = common::trim(raw_line);
    if (line.empty()) {
      continue;
    }
    size_t colon = line.find(':');
    std::string_view name = colon == std::string_view::npos ? line : line.substr(0, colon);
    if (colon == std::string_view::npos || name.empty()
        || !std::all_of(name.begin(), name.end(), isTokenChar)) {
      return fail(Errc::kInvalidArgument,
                  fmt::format("line {}: must be \"Name: value\" with a header name of letters, "
                              "digits and -",
                              line_no));
    }
    std::string_view value = common::trim(line.substr(colon + 1));
    if (value.empty()) {
      return fail(Errc::kInvalidArgument,
                  fmt::format("line {}: header '{}' has no value", line_no, name));
    }
    if (value.find('\r') != std::string_view::npos) {
      return fail(Errc::kInvalidArgument,
                  fmt::format("line {}: header '{}' contains a carriage return", line_no, name));
    }
    const std::string key = lower(name);
    if (key == "content-length" || key == "transfer-encoding") {
      return fail(Errc::kInvalidArgument,
                  fmt::format("line {}: header '{}' is set by 9volt", line_no, name));
    }
    out.emplace_back(std::string(name), std::string(value));
  }
  return out;
}

std::vector<std::string> splitAddressList(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& part : common::split(text, ',', true)) {
    std::string_view trimmed = common::trim(part);
    if (!trimmed.empty()) {
      out.emplace_back(trimmed);
    }
  }
  return out;
}

}  // namespace ninevolt::config
