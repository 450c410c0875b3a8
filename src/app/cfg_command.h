#pragma once

#include <string>
#include <vector>

#include "app/etcd_flags.h"

namespace ninevolt::app {

struct CfgOptions {
  std::vector<std::string> paths;
  EtcdFlags etcd;
  bool nosync = false;
  bool replace = false;
  bool dry_run = false;
};

// Exit codes of `9volt cfg`.
inline constexpr int kCfgOk = 0;
inline constexpr int kCfgEtcdError = 1;
inline constexpr int kCfgInvalid = 2;

// `9volt cfg DIR...`: validate everything, print the plan, apply it atomically.
// Writes the plan to stdout and problems to stderr; returns the exit code.
int runCfg(const CfgOptions& options);

// Applies the configs under `paths` without deleting anything (server --load). Returns the
// number of changes written, or an error whose message lists every problem.
struct LoadResult {
  size_t written = 0;
  size_t unchanged = 0;
};
Result<LoadResult> loadConfigsInto(const std::vector<std::string>& paths,
                                   std::shared_ptr<etcd::Client> client, const std::string& prefix);

}  // namespace ninevolt::app
