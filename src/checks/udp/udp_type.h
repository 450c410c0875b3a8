#pragma once

// The udp type's own monitor fields (docs/configs.md, "udp"): what the config core reads for
// `type: udp` and the check gets as spec.options<UdpSpec>().

#include <memory>
#include <string>

#include "config/check_type.h"

namespace re2 {
class RE2;
}

namespace ninevolt::checks::udp {

struct UdpSpec : config::TypeOptions {
  std::string host;
  int port = 0;
  std::string send;      // payload as text
  std::string send_hex;  // or as hex digits ("0a1b 2c"), decoded into `payload`
  std::string expect;    // a substring the reply must contain
  std::string expect_regex;
  int read_size = 4096;  // bytes of the reply kept and matched

  // Filled by the type's rules, not fields:
  std::string payload;                                    // the bytes sent
  std::shared_ptr<const re2::RE2> expect_regex_compiled;  // null when expect-regex is unset
};

const config::CheckTypeDef& typeDef();

}  // namespace ninevolt::checks::udp
