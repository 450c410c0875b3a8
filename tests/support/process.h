#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace ninevolt::testing {

// A child process for end-to-end tests: stdout+stderr go to a file; the destructor kills
// it (SIGKILL) and reaps it, so no test leaves a process behind.
class Process {
 public:
  Process(std::vector<std::string> argv, std::map<std::string, std::string> env,
          std::string output_file);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int signo) const;
  // Waits for exit up to timeout; returns the exit code (128+signal if killed), or nullopt.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  std::string output() const;  // everything written so far

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string output_file_;
};

// A port that was free a moment ago on 127.0.0.1.
uint16_t freePort();

// GET http://127.0.0.1:port/path with a 2 s deadline. nullopt when nothing answered.
struct HttpReply {
  int status = 0;
  std::string body;
};
std::optional<HttpReply> httpGet(uint16_t port, const std::string& path);

}  // namespace ninevolt::testing
