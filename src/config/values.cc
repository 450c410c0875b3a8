#include "config/values.h"

#include <fmt/format.h>

#include "common/strings.h"
#include "common/yaml_json.h"

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
    return fmt::format("{} {}", type, nlohmann::json(s).dump());
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
  return v.get<std::string>();
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
  if (!v.is_number_integer()) {
    sink.add(field, "expected an integer, got " + describe(v));
    return std::nullopt;
  }
  // Unsigned values above INT64_MAX are out of every range we accept.
  if (v.is_number_unsigned()
      && v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    sink.add(field, fmt::format("{} is too large", v.dump()));
    return std::nullopt;
  }
  int64_t n = v.get<int64_t>();
  if (n >= min && n <= max) {
    return n;
  }
  if (max == std::numeric_limits<int64_t>::max() || max == std::numeric_limits<int>::max()) {
    sink.add(field, min == 1 ? fmt::format("must be greater than 0, got {}", n)
                             : fmt::format("must be >= {}, got {}", min, n));
  } else {
    sink.add(field, fmt::format("must be between {} and {}, got {}", min, max, n));
  }
  return std::nullopt;
}

std::optional<common::Nanos> readDuration(const nlohmann::json& v, const std::string& field,
                                          ProblemSink& sink) {
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
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) {
      sink.add(fmt::format("{}[{}]", field, i), "expected a string, got " + describe(v[i]));
      ok = false;
      continue;
    }
    out.push_back(v[i].get<std::string>());
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
  std::map<std::string, std::string> out;
  bool ok = true;
  for (const auto& [key, value] : v.items()) {
    if (!value.is_string()) {
      sink.add(fmt::format("{}.{}", field, key), "expected a string, got " + describe(value));
      ok = false;
      continue;
    }
    out[key] = value.get<std::string>();
  }
  if (!ok) {
    return std::nullopt;
  }
  return out;
}

}  // namespace ninevolt::config::detail
