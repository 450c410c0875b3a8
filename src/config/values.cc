#include "config/values.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/strings.h"
#include "common/utf8.h"
#include "common/yaml_json.h"
#include "config/spec.h"

namespace ninevolt::config::detail {
namespace {

// Long strings are cut so one bad value cannot flood a message.
constexpr size_t kMaxShown = 60;

}  // namespace

std::string describe(const nlohmann::json& value) {
  const char* type = common::jsonTypeName(value);
  if (value.is_string()) {
    std::string s = value.get<std::string>();
    if (s.size() > kMaxShown) {
      s = s.substr(0, kMaxShown) + "...";
    }
    return fmt::format("{} {}", type, common::dumpJson(nlohmann::json(s)));
  }
  if (value.is_number() || value.is_boolean()) {
    return fmt::format("{} {}", type, value.dump());
  }
  return type;  // list, map, null: the type says enough
}

std::string hint(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string best = common::didYouMean(word, candidates);
  return best.empty() ? std::string() : fmt::format(" (did you mean '{}'?)", best);
}

std::optional<std::string> readString(const nlohmann::json& v, const std::string& field,
                                      ProblemSink& sink) {
  if (!v.is_string()) {
    sink.add(field, "expected a string, got " + describe(v));
    return std::nullopt;
  }
  const auto& s = v.get_ref<const std::string&>();
  if (s.size() > ConfigLimits::kMaxStringBytes) {
    sink.add(field, fmt::format("is {} bytes long; at most {} (docs/configs.md, Limits)", s.size(),
                                ConfigLimits::kMaxStringBytes));
    return std::nullopt;
  }
  if (size_t bad = common::firstInvalidUtf8(s); bad != std::string::npos) {
    sink.add(field, fmt::format("not valid UTF-8 (byte \\x{:02x} at offset {})",
                                static_cast<unsigned char>(s[bad]), bad));
    return std::nullopt;
  }
  return s;
}

std::optional<bool> readBool(const nlohmann::json& v, const std::string& field, ProblemSink& sink) {
  if (!v.is_boolean()) {
    sink.add(field, "expected a boolean (true or false), got " + describe(v));
    return std::nullopt;
  }
  return v.get<bool>();
}

std::optional<int64_t> readInt(const nlohmann::json& v, const std::string& field, int64_t min,
                               int64_t max, ProblemSink& sink) {
  if (v.is_string() && common::isNumberOutOfRange(v.get_ref<const std::string&>())) {
    // YAML keeps a number that does not fit (1e999, 0xFFFF...FF) as its text.
    sink.add(field, fmt::format("number {} is out of range: must be between {} and {}",
                                common::printable(v.get_ref<const std::string&>(), 40), min, max));
    return std::nullopt;
  }
  if (v.is_number_float()
      && (v.get<double>() > static_cast<double>(max)
          || v.get<double>() < static_cast<double>(min))) {
    sink.add(field, fmt::format("number {} is out of range: must be between {} and {}", v.dump(),
                                min, max));
    return std::nullopt;
  }
  if (!v.is_number_integer()) {
    sink.add(field, "expected an integer, got " + describe(v));
    return std::nullopt;
  }
  // Unsigned values above INT64_MAX are out of every range we accept.
  if (v.is_number_unsigned()
      && v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    sink.add(field,
             fmt::format("{} is out of range: must be between {} and {}", v.dump(), min, max));
    return std::nullopt;
  }
  int64_t n = v.get<int64_t>();
  if (n >= min && n <= max) {
    return n;
  }
  bool open_ended =
      max == std::numeric_limits<int64_t>::max() || max == std::numeric_limits<int>::max();
  if (open_ended && n < min) {
    sink.add(field, min == 1 ? fmt::format("must be greater than 0, got {}", n)
                             : fmt::format("must be >= {}, got {}", min, n));
  } else {
    sink.add(field, fmt::format("must be between {} and {}, got {}", min, max, n));
  }
  return std::nullopt;
}

std::optional<common::Nanos> readDuration(const nlohmann::json& v, const std::string& field,
                                          ProblemSink& sink) {
  if (v.is_string() && common::isNumberOutOfRange(v.get_ref<const std::string&>())) {
    sink.add(field, fmt::format("{} has no unit and is out of range; write a duration like "
                                "\"10s\"",
                                common::printable(v.get_ref<const std::string&>(), 40)));
    return std::nullopt;
  }
  if (v.is_number()) {
    // JSON/YAML numbers have no unit; 9volt has always meant Go duration strings.
    sink.add(field, fmt::format("{} has no unit; write it as \"{}s\"", v.dump(), v.dump()));
    return std::nullopt;
  }
  if (!v.is_string()) {
    sink.add(field, R"(expected a duration like "10s" or "1m30s", got )" + describe(v));
    return std::nullopt;
  }
  auto d = common::parseDuration(v.get<std::string>());
  if (!d) {
    sink.add(field, d.error().message);
    return std::nullopt;
  }
  if (d->count() <= 0) {
    sink.add(field, fmt::format("must be greater than 0, got {}", common::formatDuration(*d)));
    return std::nullopt;
  }
  return *d;
}

std::optional<std::vector<std::string>> readStringList(const nlohmann::json& v,
                                                       const std::string& field,
                                                       ProblemSink& sink) {
  if (!v.is_array()) {
    sink.add(field, "expected a list of strings, got " + describe(v));
    return std::nullopt;
  }
  if (v.size() > ConfigLimits::kMaxListItems) {
    sink.add(field, fmt::format("has {} items; at most {}", v.size(), ConfigLimits::kMaxListItems));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < v.size(); ++i) {
    auto s = readString(v[i], fmt::format("{}[{}]", field, i), sink);
    if (!s) {
      ok = false;
      continue;
    }
    out.push_back(std::move(*s));
  }
  if (!ok) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::map<std::string, std::string>> readStringMap(const nlohmann::json& v,
                                                                const std::string& field,
                                                                ProblemSink& sink) {
  if (!v.is_object()) {
    sink.add(field, "expected a map of strings, got " + describe(v));
    return std::nullopt;
  }
  if (v.size() > ConfigLimits::kMaxListItems) {
    sink.add(field,
             fmt::format("has {} entries; at most {}", v.size(), ConfigLimits::kMaxListItems));
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  bool ok = true;
  for (const auto& [key, value] : v.items()) {
    auto s = readString(value, fmt::format("{}.{}", field, key), sink);
    if (!s) {
      ok = false;
      continue;
    }
    out[key] = std::move(*s);
  }
  if (!ok) {
    return std::nullopt;
  }
  return out;
}

bool hasSpaceOrControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; });
}

bool isToken(std::string_view s) {
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || kExtra.find(static_cast<char>(c)) != std::string_view::npos;
  });
}

void checkHost(const std::string& host, const FieldState& state, ProblemSink& sink) {
  if (state.has("host") && (host.find('/') != std::string::npos || hasSpaceOrControl(host))) {
    sink.add("host", fmt::format("must be a host name or address, got \"{}\"", host));
  }
}

void checkOneOf(std::string& value, std::span<const std::string_view> allowed,
                std::string_view field, std::string_view what, ProblemSink& sink) {
  std::string up = value;
  std::transform(up.begin(), up.end(), up.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (std::find(allowed.begin(), allowed.end(), up) != allowed.end()) {
    value = up;
    return;
  }
  std::vector<std::string_view> candidates(allowed.begin(), allowed.end());
  sink.add(std::string(field), fmt::format("unknown {} '{}'{}; one of {}", what, value,
                                           hint(up, candidates), fmt::join(allowed, " ")));
}

}  // namespace ninevolt::config::detail
