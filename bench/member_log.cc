#include "member_log.h"

#include <cstdio>
#include <ctime>
#include <regex>

namespace ninevolt::bench {

int64_t parseLogTimeMs(const std::string& line) {
  std::tm tm{};
  int ms = 0;
  char sign = '+';
  int off = 0;
  if (std::sscanf(line.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c%4d", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, &sign, &off)
      != 9) {
    return 0;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const int64_t offset_s = (off / 100 * 3600 + off % 100 * 60) * (sign == '-' ? -1 : 1);
  return (static_cast<int64_t>(timegm(&tm)) - offset_s) * 1000 + ms;
}

void MemberLog::poll() {
  if (!in_.is_open()) {
    in_.open(path_);
    if (!in_.is_open()) {
      return;
    }
  }
  static const std::regex kOwns(R"(manager: member \S+ owns (\d+) check)");
  std::string chunk;
  char buf[65536];
  while (true) {
    in_.read(buf, sizeof(buf));
    auto n = in_.gcount();
    if (n <= 0) {
      break;
    }
    chunk.append(buf, static_cast<size_t>(n));
  }
  in_.clear();  // at EOF: clear it so the next poll reads what was appended since
  partial_ += chunk;
  size_t start = 0;
  for (size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1) {
    const std::string line = partial_.substr(start, nl - start);
    last_line_ = line;
    std::smatch m;
    if (line.find("manager: member ") != std::string::npos && std::regex_search(line, m, kOwns)) {
      owned_ = std::stoll(m[1].str());
      owned_at_ms_ = parseLogTimeMs(line);
    } else if (line.find("is now the director") != std::string::npos) {
      director_since_ms_ = parseLogTimeMs(line);
    } else if (line.find(" warning ") != std::string::npos
               || line.find(" warn ") != std::string::npos
               || line.find(" error ") != std::string::npos) {
      warnings_++;
      last_warning_ = line;
      if (warning_lines_.size() < kKeptWarnings) {
        warning_lines_.push_back(line);
      }
    }
  }
  partial_.erase(0, start);
  if (!partial_.empty()) {
    last_line_ = partial_;  // e.g. an abort message with no newline
  }
}

}  // namespace ninevolt::bench
