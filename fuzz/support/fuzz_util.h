#pragma once

// Helpers shared by the fuzz targets (fuzz/README.md).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

namespace ninevolt::fuzz {

inline std::string_view asText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Targets log nothing: a logged line per input would cost more than the input.
inline void quietLogs() {
  spdlog::set_level(spdlog::level::off);
}

// A broken invariant: print it and abort, so that libFuzzer (and the replay runner) report
// the input that broke it.
[[noreturn]] inline void violated(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz invariant violated: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

inline void check(bool ok, const char* what, std::string_view detail = {}) {
  if (!ok) {
    violated(what, detail);
  }
}

// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF): what
// nlohmann::json::dump() accepts without throwing.
inline bool validUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) {
      return false;  // cut short
    }
    for (size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF))
        || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

// Splits the input into parts at the byte sequence "\n--\n" (seed files stay readable):
// part(i) is "" past the last one.
class Parts {
 public:
  explicit Parts(std::string_view text) {
    while (true) {
      auto at = text.find("\n--\n");
      parts_.emplace_back(text.substr(0, at));
      if (at == std::string_view::npos) {
        break;
      }
      text.remove_prefix(at + 4);
    }
  }
  size_t size() const { return parts_.size(); }
  std::string_view part(size_t i) const {
    return i < parts_.size() ? parts_[i] : std::string_view();
  }

 private:
  std::vector<std::string_view> parts_;
};

}  // namespace ninevolt::fuzz
