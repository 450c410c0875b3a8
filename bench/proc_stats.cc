#include "proc_stats.h"

#include <chrono>
#include <fstream>
#include <string>

#include <malloc.h>
#include <sys/resource.h>

namespace ninevolt::bench {
namespace {

double seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

}  // namespace

ProcSnapshot snapshot() {
  ProcSnapshot s;
  rusage self{};
  rusage children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  s.user_s = seconds(self.ru_utime);
  s.sys_s = seconds(self.ru_stime);
  s.children_s = seconds(children.ru_utime) + seconds(children.ru_stime);
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    // Lines look like "VmRSS:	   12345 kB".
    if (line.rfind("VmRSS:", 0) == 0) {
      s.rss_kib = std::stoll(line.substr(6));
    } else if (line.rfind("VmHWM:", 0) == 0) {
      s.hwm_kib = std::stoll(line.substr(6));
    } else if (line.rfind("RssAnon:", 0) == 0) {
      s.anon_kib = std::stoll(line.substr(8));
    } else if (line.rfind("RssFile:", 0) == 0) {
      s.file_kib = std::stoll(line.substr(8));
    }
  }
  // PSS and USS say what an operator pays: library pages in the page cache are shared with
  // every other process mapping them, RSS counts them in full anyway.
  std::ifstream rollup("/proc/self/smaps_rollup");
  while (std::getline(rollup, line)) {
    if (line.rfind("Pss:", 0) == 0) {
      s.pss_kib = std::stoll(line.substr(4));
    } else if (line.rfind("Private_Clean:", 0) == 0) {
      s.uss_kib += std::stoll(line.substr(14));
    } else if (line.rfind("Private_Dirty:", 0) == 0) {
      s.uss_kib += std::stoll(line.substr(14));
    }
  }
  s.monotonic_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::steady_clock::now().time_since_epoch())
                       .count();
  return s;
}

void trimHeap() {
  malloc_trim(0);
}

}  // namespace ninevolt::bench
