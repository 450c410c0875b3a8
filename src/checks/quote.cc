#include "checks/quote.h"

#include <fmt/format.h>

namespace ninevolt::checks {

std::string quotePrefix(std::string_view bytes, size_t limit) {
  std::string out = "\"";
  for (char ch : bytes.substr(0, limit)) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '\r':
        out += "\\r";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  if (bytes.size() > limit) {
    out += "...";
  }
  return out;
}

}  // namespace ninevolt::checks
