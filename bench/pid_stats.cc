#include "pid_stats.h"

#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

namespace ninevolt::bench {

PidStats readPidStats(pid_t pid) {
  PidStats s;
  const std::string dir = "/proc/" + std::to_string(pid) + "/";
  std::ifstream stat(dir + "stat");
  std::string line;
  if (std::getline(stat, line)) {
    // Fields after "(comm)": the command may contain spaces, so split after the last ')'.
    auto close = line.rfind(')');
    std::istringstream in(close == std::string::npos ? "" : line.substr(close + 2));
    std::string field;
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    for (int i = 3; in >> field; ++i) {  // field 3 is the state
      if (i == 14) {
        utime = std::stoull(field);
      } else if (i == 15) {
        stime = std::stoull(field);
        break;
      }
    }
    s.cpu_s = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  std::ifstream status(dir + "status");
  while (std::getline(status, line)) {
    auto value = [&line] { return std::stoll(line.substr(line.find(':') + 1)); };
    if (line.rfind("VmRSS:", 0) == 0) {
      s.rss_kib = value();
    } else if (line.rfind("VmHWM:", 0) == 0) {
      s.hwm_kib = value();
    } else if (line.rfind("RssAnon:", 0) == 0) {
      s.anon_kib = value();
    } else if (line.rfind("RssFile:", 0) == 0) {
      s.file_kib = value();
    }
  }
  return s;
}

}  // namespace ninevolt::bench
