#pragma once

#include <string>
#include <vector>

namespace ninevolt::config {

// One thing wrong with a config, with where it is:
//   object "monitor 'web'", field "timeout", message "10s must be shorter than interval 5s"
//   -> "monitor 'web': timeout: 10s must be shorter than interval 5s"
// source (a file path, set by `9volt cfg`) is prefixed when present.
struct Problem {
  std::string source;
  std::string object;
  std::string field;  // empty for object-level problems
  std::string message;

  std::string toString() const;
};

using Problems = std::vector<Problem>;

}  // namespace ninevolt::config
