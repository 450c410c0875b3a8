#include "common/ids.h"

#include <array>
#include <cstdint>

#include <unistd.h>

#include "common/md5.h"

namespace ninevolt::common {

std::string md5Hex(std::string_view data) {
  const auto digest = md5(data);
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (uint8_t byte : digest) {
    out += kHex[byte >> 4];
    out += kHex[byte & 0xf];
  }
  return out;
}

std::string memberId(std::string_view hostname, std::string_view listen) {
  std::string key(hostname);
  key += ':';
  key += listen;
  return md5Hex(key).substr(0, 8);
}

std::string hostName() {
  std::array<char, 256> buf{};
  if (gethostname(buf.data(), buf.size() - 1) != 0 || buf[0] == '\0') {
    return "localhost";
  }
  return {buf.data()};
}

}  // namespace ninevolt::common
