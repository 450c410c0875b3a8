#pragma once

#include <string>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "common/result.h"

namespace ninevolt::common {

// Converts YAML to the JSON value a JSON author would have written, so that YAML
// (`9volt cfg`) and JSON (etcd values, API bodies) go through the same parser.
// Plain scalars become null/bool/integer/float/string by YAML 1.2 core rules; quoted
// scalars always stay strings ("80" is a string, 80 a number), as in JSON.
Result<nlohmann::json> yamlToJson(const YAML::Node& node);

// Parses YAML text (one document) into JSON; errors carry line and column.
Result<nlohmann::json> parseYaml(const std::string& text);

// Parses JSON text; errors carry the byte offset.
Result<nlohmann::json> parseJson(std::string_view text);

// A JSON type name for messages: "string", "integer", "number", "boolean", "list",
// "map", "null".
const char* jsonTypeName(const nlohmann::json& value);

}  // namespace ninevolt::common
