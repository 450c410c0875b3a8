#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ninevolt::common {

// Byte offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF), or npos when all of it is valid.
// Everything 9volt writes as JSON must be valid UTF-8 (nlohmann refuses to dump anything
// else), so text from files, requests and etcd keys is checked with this at the edge.
size_t firstInvalidUtf8(std::string_view text);
inline bool validUtf8(std::string_view text) {
  return firstInvalidUtf8(text) == std::string_view::npos;
}

// Text that is safe to print in a message, a log line or JSON: valid UTF-8 is kept, control
// characters and bytes that are not valid UTF-8 become \xNN, and
// more than max_bytes of input is cut with "...". Never fails, whatever the input.
std::string printable(std::string_view text, size_t max_bytes = 80);

}  // namespace ninevolt::common
