#include "common/yaml_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include "common/printable.h"
#include "common/utf8.h"

namespace ninevolt::common {
namespace {

using nlohmann::json;

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

bool isHexDigit(char c) {
  return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// [-+]?[0-9]+
bool looksInteger(std::string_view s) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i == s.size()) {
    return false;
  }
  for (; i < s.size(); ++i) {
    if (!isDigit(s[i])) {
      return false;
    }
  }
  return true;
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?  (YAML 1.2 core schema), by hand: a
// regex recursed once per character and overflowed the stack on a 300,000-digit scalar.
bool looksFloat(std::string_view s) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  size_t int_digits = 0;
  while (i < s.size() && isDigit(s[i])) {
    ++i;
    ++int_digits;
  }
  size_t frac_digits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && isDigit(s[i])) {
      ++i;
      ++frac_digits;
    }
  }
  if (int_digits == 0 && frac_digits == 0) {
    return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
      ++i;
    }
    size_t exp_digits = 0;
    while (i < s.size() && isDigit(s[i])) {
      ++i;
      ++exp_digits;
    }
    if (exp_digits == 0) {
      return false;
    }
  }
  return i == s.size();
}

// YAML 1.2 core schema for plain (unquoted) scalars. A number that does not fit stays text:
// the field's validation then says it is out of range, naming the object and the field.
json plainScalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
    return nullptr;
  }
  if (s == "true" || s == "True" || s == "TRUE") {
    return true;
  }
  if (s == "false" || s == "False" || s == "FALSE") {
    return false;
  }
  if (s.size() > ParseLimits::kMaxNumberChars) {
    return s;
  }
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  if (looksInteger(s)) {
    int64_t n = 0;
    auto [ptr, ec] = std::from_chars(*begin == '+' ? begin + 1 : begin, end, n);
    return ec == std::errc() && ptr == end ? json(n) : json(s);
  }
  if (s.size() > 2 && s[0] == '0' && s[1] == 'x'
      && std::all_of(s.begin() + 2, s.end(), isHexDigit)) {
    int64_t n = 0;
    auto [ptr, ec] = std::from_chars(begin + 2, end, n, 16);
    return ec == std::errc() && ptr == end ? json(n) : json(s);
  }
  if (looksFloat(s)) {
    double d = 0;
    auto [ptr, ec] = std::from_chars(*begin == '+' ? begin + 1 : begin, end, d);
    // Overflow (1e999) and underflow (1e-999) are out_of_range: keep the text.
    return ec == std::errc() && ptr == end && std::isfinite(d) ? json(d) : json(s);
  }
  return s;
}

// Walks a loaded YAML tree into JSON with the limits of ParseLimits. Recursion is bounded by
// kMaxDepth (aliases can make the tree a graph, even a cycle: the depth bound ends that too).
class Converter {
 public:
  explicit Converter(std::string_view text)
      : text_(text),
        nodes_left_(ParseLimits::kBaseNodes + ParseLimits::kAliasGrowth * text.size()),
        bytes_left_(ParseLimits::kBaseBytes + ParseLimits::kAliasGrowth * text.size()) {}

  Result<json> convert(const YAML::Node& node, int depth) {
    if (depth > ParseLimits::kMaxDepth) {
      return error(node, fmt::format("nested deeper than {} levels", ParseLimits::kMaxDepth));
    }
    if (nodes_left_ == 0) {
      return error(node,
                   "the file expands to too many values (YAML aliases repeating "
                   "themselves?); limit: the file's own size");
    }
    nodes_left_--;
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return nullptr;
      case YAML::NodeType::Scalar: {
        if (auto bad = checkScalar(node); !bad) {
          return tl::unexpected(bad.error());
        }
        // Tag "!" marks a quoted (non-plain) scalar: always a string.
        if (node.Tag() == "!") {
          return node.Scalar();
        }
        return plainScalar(node.Scalar());
      }
      case YAML::NodeType::Sequence: {
        auto out = json::array();
        size_t index = 0;
        for (const auto& item : node) {
          path_.push_back(fmt::format("[{}]", index++));
          auto v = convert(item, depth + 1);
          path_.pop_back();
          if (!v) {
            return v;
          }
          out.push_back(std::move(*v));
        }
        return out;
      }
      case YAML::NodeType::Map: {
        auto out = json::object();
        for (const auto& kv : node) {
          if (!kv.first.IsScalar()) {
            return error(kv.first, "map keys must be plain text");
          }
          if (auto bad = checkScalar(kv.first); !bad) {
            return tl::unexpected(bad.error());
          }
          const std::string& key = kv.first.Scalar();
          if (out.contains(key)) {
            return error(kv.first, fmt::format("duplicate key \"{}\"", printable(key)));
          }
          path_.push_back(key);
          auto v = convert(kv.second, depth + 1);
          path_.pop_back();
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

 private:
  Result<void> checkScalar(const YAML::Node& node) {
    const std::string& s = node.Scalar();
    if (s.size() > bytes_left_) {
      return error(node,
                   "the file expands to too much text (YAML aliases repeating "
                   "themselves?); limit: the file's own size");
    }
    bytes_left_ -= s.size();
    if (size_t bad = firstInvalidUtf8(s); bad != std::string_view::npos) {
      return error(node, fmt::format("not valid UTF-8 (byte \\x{:02x} at offset {} of the value); "
                                     "YAML files must be UTF-8",
                                     static_cast<unsigned char>(s[bad]), bad));
    }
    if (node.Tag() == "!" && !quoteClosed(node.Mark())) {
      return error(node, "quoted string is never closed");
    }
    return {};
  }

  // yaml-cpp accepts a quoted scalar still open at the end of the text (it ends the value
  // there): `type: "tcp` then became the type 'tcp host: ...'. Find the closing quote.
  bool quoteClosed(const YAML::Mark& mark) const {
    if (mark.pos < 0 || static_cast<size_t>(mark.pos) >= text_.size()) {
      return true;  // no text to look at (yamlToJson of a node)
    }
    const char quote = text_[mark.pos];
    if (quote != '"' && quote != '\'') {
      return true;  // a block scalar (| or >)
    }
    for (size_t i = mark.pos + 1; i < text_.size(); ++i) {
      char c = text_[i];
      if (quote == '"' && c == '\\') {
        ++i;  // an escape: the next character is not the end
      } else if (c == quote) {
        if (quote == '\'' && i + 1 < text_.size() && text_[i + 1] == '\'') {
          ++i;  // '' inside single quotes is one quote
          continue;
        }
        return true;
      }
    }
    return false;
  }

  tl::unexpected<Error> error(const YAML::Node& node, const std::string& message) const {
    std::string where;
    const YAML::Mark mark = node.Mark();
    if (mark.line >= 0) {
      where = fmt::format("line {}, column {}: ", mark.line + 1, mark.column + 1);
    }
    std::string path;
    for (size_t i = 0; i < path_.size(); ++i) {
      // A path 64 levels deep says nothing more than its ends do.
      if (path_.size() > 8 && i >= 4 && i < path_.size() - 2) {
        if (i == 4) {
          path += "...";
        }
        continue;
      }
      const std::string& part = path_[i];
      if (!path.empty() && part[0] != '[') {
        path += '.';
      }
      path += printable(part, 40);
    }
    if (!path.empty()) {
      where += path + ": ";
    }
    return fail(Errc::kInvalidArgument, where + message);
  }

  std::string_view text_;
  size_t nodes_left_;
  size_t bytes_left_;
  std::vector<std::string> path_;
};

std::string yamlError(const YAML::Exception& e) {
  std::string msg = e.msg;
  if (msg == YAML::ErrorMsg::BAD_FILE || dynamic_cast<const YAML::DeepRecursion*>(&e) != nullptr) {
    msg = fmt::format("nested too deep (at most {} levels)", ParseLimits::kMaxDepth);
  } else if (msg == YAML::ErrorMsg::MAP_VALUE) {
    msg += " (a key longer than 1024 characters, or a ':' that needs quoting?)";
  }
  return fmt::format("YAML error at line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1,
                     printable(msg, 200));
}

// Builds the value like nlohmann's own DOM parser and adds the checks it lacks: nesting
// depth and duplicate keys. nlohmann's parser itself is iterative (no recursion on input).
class GuardedSax {
 public:
  using Dom = nlohmann::detail::json_sax_dom_parser<json>;

  explicit GuardedSax(json& result) : dom_(result, false) {}

  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, const json::string_t& s) {
    return dom_.number_float(v, s);
  }
  bool string(json::string_t& v) { return dom_.string(v); }
  bool binary(json::binary_t& v) { return dom_.binary(v); }
  bool start_object(std::size_t n) {
    if (!enter()) {
      return false;
    }
    keys_.emplace_back();
    return dom_.start_object(n);
  }
  bool key(json::string_t& k) {
    if (!keys_.back().insert(k).second) {
      error_ = fmt::format("duplicate key \"{}\"", printable(k));
      return false;
    }
    return dom_.key(k);
  }
  bool end_object() {
    keys_.pop_back();
    depth_--;
    return dom_.end_object();
  }
  bool start_array(std::size_t n) { return enter() && dom_.start_array(n); }
  bool end_array() {
    depth_--;
    return dom_.end_array();
  }
  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& e) {
    // e.what() quotes the input (it may not be UTF-8): printable() keeps the message safe
    // to dump as JSON.
    std::string_view what = e.what();
    if (what.starts_with("[json.exception.")) {
      what.remove_prefix(std::min(what.size(), what.find("] ") + 2));  // its class and id
    }
    error_ = printable(what, 300);
    position_ = position;
    return false;
  }

  const std::string& error() const { return error_; }
  size_t position() const { return position_; }

 private:
  bool enter() {
    if (++depth_ > ParseLimits::kMaxDepth) {
      error_ = fmt::format("nested deeper than {} levels", ParseLimits::kMaxDepth);
      return false;
    }
    return true;
  }

  Dom dom_;
  int depth_ = 0;
  std::vector<std::unordered_set<std::string>> keys_;
  std::string error_;
  size_t position_ = 0;
};

}  // namespace

bool isNumberOutOfRange(std::string_view text) {
  if (text.size() > 400'000) {
    return false;  // not worth classifying: it is text
  }
  bool hex = text.size() > 2 && text[0] == '0' && text[1] == 'x'
             && std::all_of(text.begin() + 2, text.end(), isHexDigit);
  if (!hex && !looksInteger(text) && !looksFloat(text)) {
    return false;
  }
  return !plainScalar(std::string(text)).is_number();
}

Result<nlohmann::json> yamlToJson(const YAML::Node& node) {
  return Converter("").convert(node, 0);
}

namespace {

// Counts what a document holds, and where its first node is. A document that is one null
// node is empty ("a: 1\n---\n" ends with one).
class DocumentProbe : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& /*mark*/) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t /*anchor*/) override { node(mark, true); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t /*anchor*/) override { node(mark, false); }
  void OnScalar(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                const std::string& /*value*/) override {
    node(mark, false);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/,
                       YAML::anchor_t /*anchor*/, YAML::EmitterStyle::value /*style*/) override {
    node(mark, false);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                  YAML::EmitterStyle::value /*style*/) override {
    node(mark, false);
  }
  void OnMapEnd() override {}

  bool empty() const { return nodes_ == 0 || (nodes_ == 1 && first_is_null_); }
  const YAML::Mark& first() const { return first_; }

 private:
  void node(const YAML::Mark& mark, bool is_null) {
    if (nodes_++ == 0) {
      first_ = mark;
      first_is_null_ = is_null;
    }
  }
  size_t nodes_ = 0;
  bool first_is_null_ = false;
  YAML::Mark first_;
};

// Every document after the first starts with a marker ("---" or "..."), so a stream holds at
// most markers + 1 documents. yaml-cpp 0.7 does not know that: on a stray ',' or ']' at the
// top level it returns an empty document without moving on, for ever (YAML::LoadAll never
// returns; YAML::Load takes the file as empty).
size_t mostDocuments(const std::string& text) {
  size_t markers = 0;
  for (size_t at = 0; (at = text.find_first_of("-.", at)) != std::string::npos; ++at) {
    if (text.compare(at, 3, "---") == 0 || text.compare(at, 3, "...") == 0) {
      ++markers;
      at += 2;
    }
  }
  return markers + 1;
}

std::string strayAt(const std::string& text, const YAML::Mark& mark) {
  std::string where = fmt::format("line {}, column {}", mark.line + 1, mark.column + 1);
  if (mark.pos >= 0 && static_cast<size_t>(mark.pos) < text.size()) {
    return fmt::format("{}: unexpected '{}' outside a [list] or {{map}}", where,
                       printable(text.substr(static_cast<size_t>(mark.pos), 1), 8));
  }
  return where + ": not valid YAML";
}

}  // namespace

Result<nlohmann::json> parseYaml(const std::string& text) {
  // First pass: events only (no nodes, no alias expansion), to find the one document with
  // content and to stop yaml-cpp's endless empty documents.
  size_t content_index = 0;
  bool has_content = false;
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    const size_t most = mostDocuments(text);
    for (size_t index = 0;; ++index) {
      DocumentProbe probe;
      if (!parser.HandleNextDocument(probe)) {
        break;
      }
      if (index >= most) {
        return fail(Errc::kInvalidArgument, strayAt(text, probe.first()));
      }
      if (probe.empty()) {
        continue;
      }
      if (has_content) {
        return fail(Errc::kInvalidArgument,
                    fmt::format("line {}: a second YAML document ('---'); 9volt reads one "
                                "document per file: put it in a file of its own",
                                probe.first().line + 1));
      }
      has_content = true;
      content_index = index;
    }
  } catch (const YAML::Exception& e) {
    return fail(Errc::kInvalidArgument, yamlError(e));
  }
  if (!has_content) {
    return nullptr;
  }
  if (content_index != 0) {
    return fail(Errc::kInvalidArgument,
                "an empty YAML document ('---' with nothing after it) comes before the one with "
                "content; 9volt reads one document per file: remove the empty one");
  }
  YAML::Node document;
  try {
    document = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return fail(Errc::kInvalidArgument, yamlError(e));
  }
  Converter converter(text);
  return converter.convert(document, 0);
}

Result<nlohmann::json> parseJson(std::string_view text) {
  json result;
  GuardedSax sax(result);
  bool ok = false;
  try {
    ok = json::sax_parse(text, &sax, json::input_format_t::json, true, false);
  } catch (const std::exception& e) {
    // sax_parse reports through parse_error(); this is only for what it cannot (bad_alloc).
    return fail(Errc::kInvalidArgument, fmt::format("JSON error: {}", printable(e.what(), 200)));
  }
  if (!ok) {
    std::string why = sax.error().empty() ? std::string("not valid JSON") : sax.error();
    if (sax.position() > 0) {
      return fail(Errc::kInvalidArgument,
                  fmt::format("JSON error at byte {}: {}", sax.position(), why));
    }
    return fail(Errc::kInvalidArgument, "JSON error: " + why);
  }
  return result;
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
