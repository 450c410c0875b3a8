#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace ninevolt::bench {

// Where the checks point: host + port (+ path for http). Only 127.0.0.0/8 is accepted: the
// harness must never load anything but this machine.
struct Target {
  std::string host;
  int port = 0;
  std::string path = "/";
};

// "http://127.0.0.2:8080/x" (comma-separated lists allowed).
Result<std::vector<Target>> parseHttpTargets(const std::vector<std::string>& urls);
// "127.0.0.2:9000" (comma-separated lists allowed).
Result<std::vector<Target>> parseTcpTargets(const std::vector<std::string>& targets);

}  // namespace ninevolt::bench
