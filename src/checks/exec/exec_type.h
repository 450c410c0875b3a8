#pragma once

// The exec type's own monitor fields (docs/configs.md, "exec"): what the config core reads
// for `type: exec` and the check gets as spec.options<ExecSpec>().

#include <cstdint>
#include <string>
#include <vector>

#include "config/check_type.h"

namespace ninevolt::checks::exec {

struct ExecSpec : config::TypeOptions {
  std::string host;  // accepted for the original 9volt's configs; not used
  int port = 0;      // likewise
  std::string expect;
  std::string command;
  std::vector<std::string> args;
  int return_code = 0;
  std::string plugin;  // "" or "nagios"
  int64_t max_output = int64_t{64} * 1024;
};

const config::CheckTypeDef& typeDef();

}  // namespace ninevolt::checks::exec
