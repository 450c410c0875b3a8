#pragma once

#include <cstdint>

#include <sys/types.h>

namespace ninevolt::bench {

// CPU and memory of another process, from /proc/<pid>/stat and /proc/<pid>/status.
// All zero when the process is gone.
struct PidStats {
  double cpu_s = 0;      // utime + stime
  int64_t rss_kib = 0;   // VmRSS
  int64_t hwm_kib = 0;   // VmHWM: peak RSS
  int64_t anon_kib = 0;  // RssAnon: the process's own heap and stacks
  int64_t file_kib = 0;  // RssFile: binary and shared libraries (shared page cache)
};

PidStats readPidStats(pid_t pid);

}  // namespace ninevolt::bench
