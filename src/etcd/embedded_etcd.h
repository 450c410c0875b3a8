#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <sys/types.h>

#include "common/result.h"

namespace ninevolt::etcd {

// Runs a private single-node etcd as a child process: `9volt server` with no etcd given,
// and every integration test. Listens on free loopback ports, keeps its data under
// data_dir, logs to log_file, and is stopped (SIGTERM, then SIGKILL) by stop() or the
// destructor. The child gets PR_SET_PDEATHSIG, so it also dies if we are killed -9.
// PDEATHSIG follows the thread that forked: call start()/restart() from a thread that
// lives as long as the etcd should (the main thread in practice).
// Not thread-safe: one owner calls its methods.
class EmbeddedEtcd {
 public:
  struct Options {
    std::string data_dir;         // created if missing; etcd's own data goes to data_dir/member
    std::string log_file;         // empty = data_dir/etcd.log
    std::string binary = "etcd";  // looked up in PATH
    std::string host = "127.0.0.1";
    uint16_t client_port = 0;  // 0 = pick a free port
    std::chrono::milliseconds start_timeout{30000};
    std::vector<std::string> extra_args;  // e.g. auth flags for tests
    // Serve clients over TLS (https:// endpoint) when cert_file is set; with trusted_ca_file
    // also require client certificates (--client-cert-auth). The client_* files are what
    // the start-up probe connects with.
    struct Tls {
      std::string cert_file;
      std::string key_file;
      std::string trusted_ca_file;
      std::string client_cert_file;
      std::string client_key_file;
    } tls;
  };

  static Result<std::unique_ptr<EmbeddedEtcd>> start(Options options);
  ~EmbeddedEtcd();
  EmbeddedEtcd(const EmbeddedEtcd&) = delete;
  EmbeddedEtcd& operator=(const EmbeddedEtcd&) = delete;

  // "http://127.0.0.1:<port>" ("https://..." with tls.cert_file)
  const std::string& endpoint() const { return endpoint_; }
  pid_t pid() const { return pid_; }
  const Options& options() const { return options_; }

  Result<void> stop();     // graceful; idempotent
  void kill9();            // crash it (tests)
  Result<void> restart();  // same data dir and ports (tests: watch resume across restarts)

 private:
  explicit EmbeddedEtcd(Options options) : options_(std::move(options)) {}
  Result<void> launch();
  // Polls Maintenance.Status until it answers, the child exits or start_timeout passes.
  Result<void> waitReady(off_t log_start);

  Options options_;
  std::string endpoint_;
  uint16_t peer_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace ninevolt::etcd
