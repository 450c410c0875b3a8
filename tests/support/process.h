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
  // To its whole process group (it leads one): what Ctrl-C in a terminal does.
  void signalGroup(int signo) const;
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

struct HttpReply {
  int status = 0;  // 0: nothing answered in time
  std::string body;
  std::map<std::string, std::string> headers;  // as the server spelled the names
};

// One HTTP/1.1 request to 127.0.0.1:port; bodies up to 256 MiB (a /metrics page of many
// checks). status 0: nothing answered within the deadline (which is scaled by the build's
// slowdown, support/slowdown.h), or the connection failed.
HttpReply httpCall(uint16_t port, const std::string& method, const std::string& target,
                   const std::string& body = {},
                   const std::map<std::string, std::string>& headers = {},
                   std::chrono::seconds deadline = std::chrono::seconds(20));

// GET http://127.0.0.1:port/path with a 10 s deadline. nullopt when nothing answered.
std::optional<HttpReply> httpGet(uint16_t port, const std::string& path);

}  // namespace ninevolt::testing
