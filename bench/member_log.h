#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace ninevolt::bench {

// Follows one member's log file (spdlog lines "2024-05-01T12:34:56.789+0000 info  ...") and
// keeps what the cluster benchmark needs: how many checks the member's manager last said it
// runs ("manager: member <id> owns <n> check(s)", logged after the engine was given them)
// and when, and whether it was ever the director.
class MemberLog {
 public:
  explicit MemberLog(std::string path) : path_(std::move(path)) {}

  // Reads what was appended since the last call.
  void poll();

  int64_t owned() const { return owned_; }                        // -1 until the first "owns" line
  int64_t ownedAtMs() const { return owned_at_ms_; }              // its timestamp (epoch ms)
  int64_t directorSinceMs() const { return director_since_ms_; }  // 0 = never director
  int64_t warnings() const { return warnings_; }                  // "warning" and "error" lines
  const std::string& lastWarning() const { return last_warning_; }
  // The first kKeptWarnings warning and error lines, as logged.
  const std::vector<std::string>& warningLines() const { return warning_lines_; }
  static constexpr size_t kKeptWarnings = 50;
  const std::string& lastLine() const { return last_line_; }

 private:
  std::string path_;
  std::ifstream in_;
  std::string partial_;
  int64_t owned_ = -1;
  int64_t owned_at_ms_ = 0;
  int64_t director_since_ms_ = 0;
  int64_t warnings_ = 0;
  std::string last_warning_;
  std::vector<std::string> warning_lines_;
  std::string last_line_;
};

// "2024-05-01T12:34:56.789+0000" -> milliseconds since the epoch; 0 if it is not one.
int64_t parseLogTimeMs(const std::string& line);

}  // namespace ninevolt::bench
