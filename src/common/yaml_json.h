#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "common/printable.h"  // dumpJson, for callers of parseJson
#include "common/result.h"

namespace ninevolt::common {

// Limits on untrusted YAML and JSON (files, request bodies, etcd values), enforced while
// parsing so that nothing downstream ever sees a value it could not copy, print or store.
// docs/configs.md ("Limits") and docs/api.md list them for users.
struct ParseLimits {
  // Maps and lists inside each other. nlohmann copies and prints recursively, so a value of
  // unbounded depth would overflow the stack there (a 100,000-deep body killed a member).
  static constexpr int kMaxDepth = 64;
  // A number in YAML longer than this is kept as text (validation then names the field).
  static constexpr size_t kMaxNumberChars = 64;
  // YAML aliases may repeat what the file says, but not blow it up ("billion laughs"): the
  // converted values may hold at most this many nodes and scalar bytes beyond
  // kAliasGrowth times the file's own size.
  static constexpr size_t kBaseNodes = 100'000;
  static constexpr size_t kBaseBytes = 1 << 20;
  static constexpr size_t kAliasGrowth = 4;
};

// Converts YAML to the JSON value a JSON author would have written, so that YAML
// (`9volt cfg`) and JSON (etcd values, API bodies) go through the same parser.
// Plain scalars become null/bool/integer/float/string by YAML 1.2 core rules; quoted
// scalars always stay strings ("80" is a string, 80 a number), as in JSON. A number too
// large for its type (1e999, 0xFFFFFFFFFFFFFFFFFFFF) stays text. Errors: nesting deeper than
// kMaxDepth, text that is not UTF-8, duplicate keys, alias expansion past the budget.
Result<nlohmann::json> yamlToJson(const YAML::Node& node);

// True for text that YAML's core schema reads as a number (an unquoted scalar) but that fits
// no number type (1e999, 1e-999, 0xFFFFFFFFFFFFFFFFFFFF, 30 digits): such a scalar is kept as
// text by yamlToJson, and a validator uses this to say "out of range" rather than "string".
bool isNumberOutOfRange(std::string_view text);

// Parses YAML text into JSON; errors carry line and column and the path of the value
// ("monitor.web.port"). The text must hold one document: a second one ('---') is an error,
// never silently dropped. A quoted string still open at the end of the text is an error.
Result<nlohmann::json> parseYaml(const std::string& text);

// Parses JSON text. Never throws. Errors (with the byte offset): syntax, text that is not
// UTF-8, a number out of range (1e999), nesting deeper than kMaxDepth, a key twice in one
// object (JSON parsers disagree on which one wins; YAML rejects it too).
Result<nlohmann::json> parseJson(std::string_view text);

// A JSON type name for messages: "string", "integer", "number", "boolean", "list",
// "map", "null".
const char* jsonTypeName(const nlohmann::json& value);

}  // namespace ninevolt::common
