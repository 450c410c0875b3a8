#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace ninevolt::common {

// MD5 (RFC 1321) of data. Only for identifiers compatible with the original 9volt (member
// ids), never for security.
//
// Our own ~60 lines instead of OpenSSL: OpenSSL 3's EVP_Digest loads its configuration and
// default provider on first use, ~2 MiB of RSS for the 8 bytes of a member id (the
// low-level MD5() that avoids it is deprecated).
std::array<uint8_t, 16> md5(std::string_view data);

}  // namespace ninevolt::common
