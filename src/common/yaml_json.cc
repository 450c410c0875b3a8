#include "common/yaml_json.h"

#include <regex>

#include <fmt/format.h>

namespace ninevolt::common {
namespace {

// YAML 1.2 core schema for plain (unquoted) scalars.
nlohmann::json plainScalar(const std::string& s) {
  static const std::regex kInt(R"([-+]?[0-9]+)");
  static const std::regex kHex(R"(0x[0-9a-fA-F]+)");
  static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
    return nullptr;
  }
  if (s == "true" || s == "True" || s == "TRUE") {
    return true;
  }
  if (s == "false" || s == "False" || s == "FALSE") {
    return false;
  }
  if (std::regex_match(s, kInt)) {
    try {
      return std::stoll(s);
    } catch (const std::out_of_range&) {
      return s;  // too large for an integer: keep the text, validation will say why
    }
  }
  if (std::regex_match(s, kHex)) {
    return std::stoll(s, nullptr, 16);
  }
  if (std::regex_match(s, kFloat)) {
    return std::stod(s);
  }
  return s;
}

Result<nlohmann::json> convert(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar:
      // Tag "!" marks a quoted (non-plain) scalar: always a string.
      if (node.Tag() == "!") {
        return node.Scalar();
      }
      return plainScalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      auto out = nlohmann::json::array();
      for (const auto& item : node) {
        auto v = convert(item);
        if (!v) {
          return v;
        }
        out.push_back(std::move(*v));
      }
      return out;
    }
    case YAML::NodeType::Map: {
      auto out = nlohmann::json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
          return fail(Errc::kInvalidArgument, fmt::format("line {}: map keys must be plain text",
                                                          kv.first.Mark().line + 1));
        }
        const std::string& key = kv.first.Scalar();
        if (out.contains(key)) {
          return fail(Errc::kInvalidArgument,
                      fmt::format("line {}: duplicate key \"{}\"", kv.first.Mark().line + 1, key));
        }
        auto v = convert(kv.second);
        if (!v) {
          return v;
        }
        out[key] = std::move(*v);
      }
      return out;
    }
  }
  return nullptr;
}

}  // namespace

Result<nlohmann::json> yamlToJson(const YAML::Node& node) {
  return convert(node);
}

Result<nlohmann::json> parseYaml(const std::string& text) {
  try {
    return convert(YAML::Load(text));
  } catch (const YAML::Exception& e) {
    return fail(Errc::kInvalidArgument, fmt::format("YAML error at line {}, column {}: {}",
                                                    e.mark.line + 1, e.mark.column + 1, e.msg));
  }
}

Result<nlohmann::json> parseJson(std::string_view text) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return fail(Errc::kInvalidArgument, fmt::format("JSON error at byte {}: {}", e.byte, e.what()));
  }
}

const char* jsonTypeName(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::string:
      return "string";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return "integer";
    case nlohmann::json::value_t::number_float:
      return "number";
    case nlohmann::json::value_t::boolean:
      return "boolean";
    case nlohmann::json::value_t::array:
      return "list";
    case nlohmann::json::value_t::object:
      return "map";
    case nlohmann::json::value_t::null:
      return "null";
    default:
      return "value";
  }
}

}  // namespace ninevolt::common
