#include "common/ids.h"

#include <array>

#include <openssl/evp.h>
#include <unistd.h>

namespace ninevolt::common {

std::string md5Hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &len, EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
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
  return std::string(buf.data());
}

}  // namespace ninevolt::common
