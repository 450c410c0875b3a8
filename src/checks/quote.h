#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ninevolt::checks {

// `bytes` as a double-quoted, escaped string for a result message: at most `limit` input
// bytes, non-printable bytes as \r \n \t \xNN, and "..." after the quote when cut. Peers send
// binary protocols; a message must stay one readable line.
std::string quotePrefix(std::string_view bytes, size_t limit = 64);

}  // namespace ninevolt::checks
