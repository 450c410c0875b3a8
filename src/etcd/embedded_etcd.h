#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace ninevolt::etcd {

// Runs a private single-node etcd as a child process: `9volt server` with no etcd given,
// and every integration test. Listens on free loopback ports, keeps its data under
// data_dir, logs to log_file, and is stopped (SIGTERM, then SIGKILL) by stop() or the
// destructor. The child gets PR_SET_PDEATHSIG, so it also dies if we are killed -9.
class EmbeddedEtcd {
 public:
  struct Options {
    std::string data_dir;         // created if missing; etcd's own data goes to data_dir/member
    std::string log_file;         // empty = data_dir/etcd.log
    std::string binary = "etcd";  // looked up in PATH
    std::string host = "127.0.0.1";
    uint16_t client_port = 0;     // 0 = pick a free port
    std::chrono::milliseconds start_timeout{30000};
    std::vector<std::string> extra_args;  // e.g. auth or TLS flags for tests
  };

  static Result<std::unique_ptr<EmbeddedEtcd>> start(Options options);
  ~EmbeddedEtcd();
  EmbeddedEtcd(const EmbeddedEtcd&) = delete;
  EmbeddedEtcd& operator=(const EmbeddedEtcd&) = delete;

  // "http://127.0.0.1:<port>"
  const std::string& endpoint() const { return endpoint_; }
  pid_t pid() const { return pid_; }
  const Options& options() const { return options_; }

  Result<void> stop();      // graceful; idempotent
  void kill9();             // crash it (tests)
  Result<void> restart();   // same data dir and ports (tests: watch resume across restarts)

 private:
  explicit EmbeddedEtcd(Options options) : options_(std::move(options)) {}
  Result<void> launch();

  Options options_;
  std::string endpoint_;
  uint16_t peer_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace ninevolt::etcd
