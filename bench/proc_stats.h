#pragma once

#include <cstdint>

namespace ninevolt::bench {

// What this process has used so far, read from getrusage and /proc/self/status.
struct ProcSnapshot {
  double user_s = 0;         // RUSAGE_SELF
  double sys_s = 0;          // RUSAGE_SELF
  double children_s = 0;     // RUSAGE_CHILDREN user+sys (reaped exec children)
  int64_t rss_kib = 0;       // VmRSS now
  int64_t hwm_kib = 0;       // VmHWM: peak RSS
  int64_t anon_kib = 0;      // RssAnon: heap and stacks, this process's own
  int64_t file_kib = 0;      // RssFile: the binary and shared libraries (page cache, shared)
  int64_t pss_kib = 0;       // smaps_rollup Pss: shared pages divided by their sharers
  int64_t uss_kib = 0;       // smaps_rollup Private_Clean + Private_Dirty: freed on exit
  int64_t monotonic_ns = 0;  // when it was taken
  double cpu() const { return user_s + sys_s; }
};

ProcSnapshot snapshot();

// Returns freed heap pages to the kernel (malloc_trim), so an RSS reading after loading is
// what is live, not what a burst of temporaries left behind.
void trimHeap();

}  // namespace ninevolt::bench
