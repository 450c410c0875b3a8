#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "support/process.h"

namespace ninevolt::testing {

// A real 3-node etcd cluster (Debian's etcd-server, the binary EmbeddedEtcd runs) for tests
// of etcd failures: each node a child process on free loopback ports, its data and log
// under dir/<name>. Nodes can be stopped and started again (same data, same ports). Every
// node is killed by pid when the cluster object goes (and, through PR_SET_PDEATHSIG, when
// the test process dies). Not thread-safe.
class EtcdCluster {
 public:
  static constexpr size_t kNodes = 3;

  // Starts the nodes and waits until the cluster takes a write (or fails after 30 s).
  static Result<std::unique_ptr<EtcdCluster>> start(const std::filesystem::path& dir);
  ~EtcdCluster();
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  std::vector<std::string> endpoints() const;  // "http://127.0.0.1:<port>" of every node
  const std::string& endpoint(size_t node) const { return nodes_.at(node).client_url; }
  bool running(size_t node) const { return nodes_.at(node).process != nullptr; }

  // SIGTERM and wait (SIGKILL after 10 s).
  void stop(size_t node);
  // Starts a stopped node again and waits until it answers (or fails after 30 s).
  Result<void> restart(size_t node);
  // The node that is raft leader now, as the running nodes report it; nullopt when none
  // answers with a leader.
  std::optional<size_t> leader() const;

 private:
  struct Node {
    std::string name;
    std::string client_url;
    std::string peer_url;
    std::filesystem::path dir;
    std::unique_ptr<Process> process;
  };
  explicit EtcdCluster(std::filesystem::path dir) : dir_(std::move(dir)) {}
  void launch(size_t node);
  Result<void> waitAnswers(size_t node, std::chrono::milliseconds deadline) const;

  std::filesystem::path dir_;
  std::vector<Node> nodes_;
};

}  // namespace ninevolt::testing
