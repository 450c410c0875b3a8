#pragma once

#include <string>
#include <vector>

namespace ninevolt::app {

struct CheckOptions {
  std::string file;                // a YAML file (or a directory of them)
  std::vector<std::string> names;  // empty = every enabled monitor
  bool json = false;
};

// `9volt check FILE.yaml [NAME...]`: runs the monitors once, locally, without etcd; prints a
// line per check (or JSON) and returns the worst status as the exit code, Nagios style:
// 0 ok, 1 warning, 2 critical, 3 unknown (also for invalid input or an unknown NAME).
int runCheck(const CheckOptions& options);

}  // namespace ninevolt::app
