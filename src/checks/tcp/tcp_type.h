#pragma once

// The tcp type's own monitor fields (docs/configs.md, "tcp"): what the config core reads for
// `type: tcp` and the check gets as spec.options<TcpSpec>().

#include <string>

#include "config/check_type.h"

namespace ninevolt::checks::tcp {

struct TcpSpec : config::TypeOptions {
  std::string host;
  int port = 0;
  std::string expect;
  std::string send;
  common::Nanos read_timeout = std::chrono::seconds(2);
  common::Nanos write_timeout = std::chrono::seconds(2);
  int read_size = 4096;
};

const config::CheckTypeDef& typeDef();

}  // namespace ninevolt::checks::tcp
