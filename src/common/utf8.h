#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/printable.h"  // validUtf8, printable, dumpJson

namespace ninevolt::common {

// Byte offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF), or npos when all of it is valid.
// Everything 9volt writes as JSON must be valid UTF-8 (nlohmann refuses to dump anything
// else), so text from files, requests and etcd keys is checked with this at the edge.
size_t firstInvalidUtf8(std::string_view text);

}  // namespace ninevolt::common
