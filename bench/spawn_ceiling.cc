#include "spawn_ceiling.h"

#include <cstring>

#include <spawn.h>
#include <sys/wait.h>

#include "proc_stats.h"

extern char** environ;

namespace ninevolt::bench {

SpawnCeiling measureSpawnCeiling(const std::string& program, std::chrono::milliseconds duration) {
  SpawnCeiling out;
  std::string arg0 = program;
  char* argv[] = {arg0.data(), nullptr};
  const auto start = std::chrono::steady_clock::now();
  const ProcSnapshot before = snapshot();
  const auto deadline = start + duration;
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv, environ);
    if (rc != 0) {
      out.error = std::string("posix_spawn: ") + std::strerror(rc);
      break;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    out.spawns++;
  }
  const ProcSnapshot after = snapshot();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.per_second = out.seconds > 0 ? static_cast<double>(out.spawns) / out.seconds : 0;
  if (out.spawns > 0) {
    const double cpu = (after.cpu() - before.cpu()) + (after.children_s - before.children_s);
    out.cpu_ms_per_spawn = cpu * 1000.0 / static_cast<double>(out.spawns);
  }
  return out;
}

}  // namespace ninevolt::bench
