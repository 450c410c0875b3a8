#include "support/etcd_cluster.h"

#include <cstdlib>
#include <map>
#include <thread>

#include <signal.h>
#include <unistd.h>

#include "etcd/client.h"

namespace ninevolt::testing {

namespace {

using Clock = std::chrono::steady_clock;

std::string etcdBinary() {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  size_t pos = 0;
  while (pos <= dirs.size()) {
    size_t end = dirs.find(':', pos);
    end = end == std::string::npos ? dirs.size() : end;
    std::string full = dirs.substr(pos, end - pos) + "/etcd";
    if (access(full.c_str(), X_OK) == 0) {
      return full;
    }
    pos = end + 1;
  }
  return "/usr/bin/etcd";
}

std::shared_ptr<etcd::Client> clientFor(std::vector<std::string> endpoints) {
  etcd::ClientOptions options;
  options.endpoints = std::move(endpoints);
  options.call_timeout = std::chrono::milliseconds(500);
  auto client = etcd::Client::create(options);
  return client ? *client : nullptr;
}

}  // namespace

Result<std::unique_ptr<EtcdCluster>> EtcdCluster::start(const std::filesystem::path& dir) {
  std::unique_ptr<EtcdCluster> cluster(new EtcdCluster(dir));
  std::string last_error;
  // Ports are picked before etcd binds them: a node that exits at start (another process
  // took its port) makes us start the whole cluster again on other ports, from scratch.
  for (int attempt = 0; attempt < 3; ++attempt) {
    cluster->nodes_.clear();  // kills what an earlier attempt started
    for (size_t i = 0; i < kNodes; ++i) {
      Node n;
      n.name = "n" + std::to_string(i);
      n.client_url = "http://127.0.0.1:" + std::to_string(freePort());
      n.peer_url = "http://127.0.0.1:" + std::to_string(freePort());
      n.dir = dir / n.name;
      std::filesystem::remove_all(n.dir / "data");
      std::filesystem::create_directories(n.dir);
      cluster->nodes_.push_back(std::move(n));
    }
    for (size_t i = 0; i < kNodes; ++i) {
      cluster->launch(i);
    }
    // A node answers only once the cluster has a quorum; a write proves a leader.
    auto client = clientFor(cluster->endpoints());
    auto until = Clock::now() + std::chrono::seconds(30);
    bool exited = false;
    while (!exited) {
      auto put = client ? client->put("/etcd-cluster-ready", "1")
                        : Result<etcd::PutResult>(fail(Errc::kInternal, "no client"));
      if (put) {
        return cluster;
      }
      last_error = put.error().message;
      if (Clock::now() >= until) {
        return fail(Errc::kDeadlineExceeded, "3-node etcd in " + dir.string()
                                                 + " took no write in 30 s: " + last_error
                                                 + " (logs: " + dir.string() + "/n*/etcd-*.log)");
      }
      for (auto& n : cluster->nodes_) {
        exited = exited || n.process->wait(std::chrono::milliseconds(0)).has_value();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    last_error = "a node exited at start (logs: " + dir.string() + "/n*/etcd-*.log)";
  }
  return fail(Errc::kUnavailable, "3-node etcd in " + dir.string() + ": " + last_error);
}

EtcdCluster::~EtcdCluster() {
  for (auto& n : nodes_) {
    n.process.reset();  // SIGKILL and reap
  }
}

std::vector<std::string> EtcdCluster::endpoints() const {
  std::vector<std::string> out;
  for (const auto& n : nodes_) {
    out.push_back(n.client_url);
  }
  return out;
}

void EtcdCluster::launch(size_t node) {
  Node& n = nodes_.at(node);
  std::string initial;
  for (const auto& other : nodes_) {
    initial += (initial.empty() ? "" : ",") + other.name + "=" + other.peer_url;
  }
  static int launches = 0;
  std::string log = (n.dir / ("etcd-" + std::to_string(++launches) + ".log")).string();
  n.process = std::make_unique<Process>(std::vector<std::string>{etcdBinary(),
                                                                 "--name",
                                                                 n.name,
                                                                 "--data-dir",
                                                                 (n.dir / "data").string(),
                                                                 "--listen-client-urls",
                                                                 n.client_url,
                                                                 "--advertise-client-urls",
                                                                 n.client_url,
                                                                 "--listen-peer-urls",
                                                                 n.peer_url,
                                                                 "--initial-advertise-peer-urls",
                                                                 n.peer_url,
                                                                 "--initial-cluster",
                                                                 initial,
                                                                 "--initial-cluster-state",
                                                                 "new",
                                                                 "--initial-cluster-token",
                                                                 "9volt-test",
                                                                 "--quota-backend-bytes",
                                                                 "1073741824"},
                                        std::map<std::string, std::string>{}, log);
}

void EtcdCluster::stop(size_t node) {
  Node& n = nodes_.at(node);
  if (!n.process) {
    return;
  }
  n.process->signal(SIGTERM);
  n.process->wait(std::chrono::seconds(10));
  n.process.reset();  // SIGKILL if it ignored SIGTERM
}

Result<void> EtcdCluster::restart(size_t node) {
  stop(node);
  launch(node);
  return waitAnswers(node, std::chrono::seconds(30));
}

Result<void> EtcdCluster::waitAnswers(size_t node, std::chrono::milliseconds deadline) const {
  auto client = clientFor({nodes_.at(node).client_url});
  auto until = Clock::now() + deadline;
  while (true) {
    auto st =
        client ? client->status() : Result<etcd::StatusInfo>(fail(Errc::kInternal, "no client"));
    if (st && st->leader != 0) {
      return {};
    }
    if (Clock::now() >= until) {
      return fail(Errc::kDeadlineExceeded,
                  "etcd node " + nodes_.at(node).name + " not back in time"
                      + (st ? std::string(" (no leader)") : ": " + st.error().message));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::optional<size_t> EtcdCluster::leader() const {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (!nodes_[i].process) {
      continue;
    }
    auto client = clientFor({nodes_[i].client_url});
    auto st = client ? client->status() : Result<etcd::StatusInfo>(fail(Errc::kInternal, ""));
    if (st && st->leader != 0 && st->leader == st->member_id) {
      return i;
    }
  }
  return std::nullopt;
}

}  // namespace ninevolt::testing
