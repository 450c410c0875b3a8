#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ninevolt::common {

// Text from etcd keys, request paths or check targets made safe to print in a log line, an
// event or an error message: valid UTF-8 stays as it is, except control characters
// (C0, DEL, C1, line separators, bidi overrides), which become \n \t \r, \xNN or \u{NNNN},
// and each byte of invalid UTF-8 becomes \xNN. Text longer than max_bytes is cut at a
// character boundary and ends in "... (N bytes)". Printable text comes back as it is, so
// printing twice does no harm (a backslash is not doubled: readability over reversibility).
//   printable("we\x01ird\xff") == "we\\x01ird\\xff"
std::string printable(std::string_view text, size_t max_bytes = 256);

// True when text is well-formed UTF-8 (no overlong forms, surrogates or code points beyond
// U+10FFFF): what nlohmann::json's dump() requires of every string it writes.
bool validUtf8(std::string_view text);

// JSON text that never throws: dump() throws type_error 316 on a string that is not UTF-8
// (a name taken from an etcd key or a request path); here such bytes become U+FFFD. Use it
// for everything that may carry strings from etcd, requests or check targets.
std::string dumpJson(const nlohmann::json& value, int indent = -1);

}  // namespace ninevolt::common
