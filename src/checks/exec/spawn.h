#pragma once

#include <string>
#include <vector>

#include <sys/types.h>

#include "common/result.h"

namespace ninevolt::checks::exec {

// A started child. The caller owns both descriptors and must reap pid.
struct Child {
  pid_t pid = -1;      // also its process group id
  int pidfd = -1;      // readable once the child has exited (pidfd_open)
  int output_fd = -1;  // read end of its stdout+stderr pipe, non-blocking, close-on-exec
};

// Starts command with args via posix_spawn (posix_spawnp when command has no '/'): a new
// process group (so a timeout can kill everything it started), stdin /dev/null, stdout and
// stderr into one pipe, every other descriptor closed (so 9volt's sockets never leak into
// plugins), signal mask and dispositions reset. Fails with the errno text when the program
// cannot be run (missing, not executable) or a descriptor cannot be made.
Result<Child> spawnChild(const std::string& command, const std::vector<std::string>& args);

}  // namespace ninevolt::checks::exec
