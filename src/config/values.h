#pragma once

// Internal to config: typed reads of JSON values that record a Problem instead of failing,
// so one pass over an object reports everything wrong with it.

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "common/utf8.h"
#include "config/problems.h"

namespace ninevolt::config::detail {

// Problems about one object ("monitor 'web'"), appended to the caller's list.
class ProblemSink {
 public:
  // Object, field and message may quote what the user wrote (names, keys, values): they are
  // made printable here (control bytes and non-UTF-8 escaped, long text cut), once for all
  // messages, so a problem can always be printed and sent as JSON.
  ProblemSink(std::string_view object, Problems& out)
      : object_(common::printable(object, 200)), out_(out), start_(out.size()) {}

  void add(std::string_view field, std::string_view message) {
    out_.push_back(
        Problem{{}, object_, common::printable(field, 200), common::printable(message, 2000)});
  }
  // True when nothing was added since construction.
  bool clean() const { return out_.size() == start_; }

 private:
  std::string object_;
  Problems& out_;
  size_t start_;
};

// Which fields of one object were written, while it is parsed (common and type fields alike).
struct FieldState {
  std::set<std::string_view> written;  // present, non-null and read without a problem
  std::set<std::string_view> bad;      // present but already reported
  bool ok(std::string_view f) const { return bad.count(f) == 0; }
  bool has(std::string_view f) const { return written.count(f) != 0; }
};

// "string \"80\"", "integer 80", "list", "map": what a value is, for "expected X, got Y".
std::string describe(const nlohmann::json& value);

// "did you mean" suffix: " (did you mean 'x'?)" or "".
std::string hint(std::string_view word, const std::vector<std::string_view>& candidates);

std::optional<std::string> readString(const nlohmann::json& v, const std::string& field,
                                      ProblemSink& sink);
std::optional<bool> readBool(const nlohmann::json& v, const std::string& field, ProblemSink& sink);
// Integers only (1.5 and "80" are problems), within [min, max].
std::optional<int64_t> readInt(const nlohmann::json& v, const std::string& field, int64_t min,
                               int64_t max, ProblemSink& sink);
// A Go duration string, > 0. A bare number gets a hint to add a unit.
std::optional<common::Nanos> readDuration(const nlohmann::json& v, const std::string& field,
                                          ProblemSink& sink);
std::optional<std::vector<std::string>> readStringList(const nlohmann::json& v,
                                                       const std::string& field, ProblemSink& sink);
std::optional<std::map<std::string, std::string>> readStringMap(const nlohmann::json& v,
                                                                const std::string& field,
                                                                ProblemSink& sink);

// Rules several types share.
// Any byte <= 0x20 or DEL.
bool hasSpaceOrControl(std::string_view s);
// RFC 9110 token characters: what a header name may contain.
bool isToken(std::string_view s);
// `host` must be a name or an address: no '/', spaces or control bytes.
void checkHost(const std::string& host, const FieldState& state, ProblemSink& sink);
// Case-insensitive membership; the value is normalised to upper case ("get" -> "GET").
void checkOneOf(std::string& value, std::span<const std::string_view> allowed,
                std::string_view field, std::string_view what, ProblemSink& sink);

}  // namespace ninevolt::config::detail
