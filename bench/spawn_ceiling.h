#pragma once

#include <chrono>
#include <string>

namespace ninevolt::bench {

struct SpawnCeiling {
  uint64_t spawns = 0;
  double seconds = 0;
  double per_second = 0;
  double cpu_ms_per_spawn = 0;  // parent + child CPU per spawn
  std::string error;            // non-empty when spawning failed
};

// This machine's own ceiling for process creation: posix_spawn + waitpid of `program`
// back to back on the calling thread for `duration`. The exec check does more per run
// (pipe, process group, pidfd, closefrom), so this is the bound it is compared against.
SpawnCeiling measureSpawnCeiling(const std::string& program, std::chrono::milliseconds duration);

}  // namespace ninevolt::bench
