#pragma once

#include <string>
#include <string_view>

namespace ninevolt::common {

// Lower-case hex md5 of data.
std::string md5Hex(std::string_view data);

// The member id of the original 9volt: the first 8 hex characters of
// md5(hostname + ":" + listen), stable across restarts of the same member.
std::string memberId(std::string_view hostname, std::string_view listen);

// This machine's hostname (gethostname), "localhost" if it cannot be read.
std::string hostName();

}  // namespace ninevolt::common
