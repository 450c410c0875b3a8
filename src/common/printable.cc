#include "common/printable.h"

#include <cstdint>

#include <fmt/format.h>

namespace ninevolt::common {
namespace {

// Length of the well-formed UTF-8 sequence at text[i] (Unicode table 3-7), 0 if there is
// none; the code point goes to `cp`.
size_t sequenceAt(std::string_view text, size_t i, uint32_t& cp) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[i + k]); };
  const uint8_t b0 = byte(0);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  size_t len = 0;
  uint8_t lo = 0x80;
  uint8_t hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1Fu;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0Fu;
    lo = b0 == 0xE0 ? 0xA0 : 0x80;  // no overlong forms
    hi = b0 == 0xED ? 0x9F : 0xBF;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07u;
    lo = b0 == 0xF0 ? 0x90 : 0x80;  // no overlong forms
    hi = b0 == 0xF4 ? 0x8F : 0xBF;  // nothing beyond U+10FFFF
  } else {
    return 0;
  }
  if (i + len > text.size()) {
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    const uint8_t b = byte(k);
    if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) {
      return 0;
    }
    cp = (cp << 6) | (b & 0x3Fu);
  }
  return len;
}

}  // namespace

bool validUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    const size_t len = sequenceAt(text, i, cp);
    if (len == 0) {
      return false;
    }
    i += len;
  }
  return true;
}

std::string printable(std::string_view text, size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 8);
  size_t i = 0;
  while (i < text.size()) {
    uint32_t cp = 0;
    const size_t len = sequenceAt(text, i, cp);
    std::string piece;
    if (len == 0) {
      piece = fmt::format("\\x{:02x}", static_cast<uint8_t>(text[i]));
    } else if (cp == '\n') {
      piece = "\\n";
    } else if (cp == '\t') {
      piece = "\\t";
    } else if (cp == '\r') {
      piece = "\\r";
    } else if (cp < 0x20 || cp == 0x7F) {
      piece = fmt::format("\\x{:02x}", cp);
    } else if ((cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029
               || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
      // C1 controls, line separators and bidi overrides (which reorder what follows).
      piece = fmt::format("\\u{{{:x}}}", cp);
    } else {
      piece = std::string(text.substr(i, len));
    }
    if (out.size() + piece.size() > max_bytes) {
      out += fmt::format("... ({} bytes)", text.size());
      return out;
    }
    out += piece;
    i += len == 0 ? 1 : len;
  }
  return out;
}

std::string dumpJson(const nlohmann::json& value, int indent) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace ninevolt::common
