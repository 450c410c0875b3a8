#include "etcd/embedded_etcd.h"

#include <cerrno>
#include <csignal>
#include <deque>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "etcd/client.h"

namespace ninevolt::etcd {

namespace {

using Clock = std::chrono::steady_clock;

// strerror() is not thread-safe; the system category's message is.
std::string errnoText() {
  return std::system_category().message(errno);
}

// A free TCP port on host: bind port 0 and read what the kernel chose. Another process may
// take it before etcd binds it; launch() retries on "address already in use".
Result<uint16_t> freePort(const std::string& host) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return fail(Errc::kInternal, std::string("embedded etcd: socket: ") + errnoText());
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    close(fd);
    return fail(Errc::kInvalidArgument, "embedded etcd: host " + host + " is not an IPv4 address");
  }
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0
      || getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::string err = errnoText();
    close(fd);
    return fail(Errc::kUnavailable, "embedded etcd: no free port on " + host + ": " + err);
  }
  close(fd);
  return ntohs(addr.sin_port);
}

// The binary's full path (searched in PATH here, because the child may only make
// async-signal-safe calls between fork and exec).
Result<std::string> findBinary(const std::string& binary) {
  if (binary.find('/') != std::string::npos) {
    if (access(binary.c_str(), X_OK) == 0) {
      return binary;
    }
    return fail(Errc::kNotFound, "embedded etcd: " + binary + " is not executable");
  }
  // NOLINTNEXTLINE(concurrency-mt-unsafe): 9volt never calls setenv() after start-up.
  const char* path = getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t pos = 0;
  while (pos <= dirs.size()) {
    size_t end = dirs.find(':', pos);
    if (end == std::string::npos) {
      end = dirs.size();
    }
    std::string dir = dirs.substr(pos, end - pos);
    std::string full = (dir.empty() ? "." : dir) + "/" + binary;
    if (access(full.c_str(), X_OK) == 0) {
      return full;
    }
    pos = end + 1;
  }
  return fail(Errc::kNotFound, "embedded etcd: " + binary + " not found in PATH (" + dirs + ")");
}

// The last lines written to log_file since offset (this launch's output).
std::string logTail(const std::string& log_file, off_t offset, size_t lines) {
  std::ifstream in(log_file);
  in.seekg(offset);
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Usage:", 0) == 0) {
      break;  // a flag error: the message came first, then etcd's long usage text
    }
    tail.push_back(line);
    if (tail.size() > lines) {
      tail.pop_front();
    }
  }
  std::string out;
  for (const auto& l : tail) {
    out += "\n  " + l;
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<EmbeddedEtcd>> EmbeddedEtcd::start(Options options) {
  if (options.data_dir.empty()) {
    return fail(Errc::kInvalidArgument, "embedded etcd: data_dir is empty");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return fail(Errc::kInvalidArgument,
                "embedded etcd: data_dir " + options.data_dir + ": " + ec.message());
  }
  if (options.log_file.empty()) {
    options.log_file = options.data_dir + "/etcd.log";
  }
  std::unique_ptr<EmbeddedEtcd> etcd(new EmbeddedEtcd(std::move(options)));
  auto launched = etcd->launch();
  if (!launched) {
    return tl::unexpected(launched.error());
  }
  return etcd;
}

EmbeddedEtcd::~EmbeddedEtcd() {
  (void)stop();
}

Result<void> EmbeddedEtcd::launch() {
  auto binary = findBinary(options_.binary);
  if (!binary) {
    return tl::unexpected(binary.error());
  }
  bool pick_client = options_.client_port == 0 && endpoint_.empty();
  bool pick_peer = peer_port_ == 0;
  Error last;
  for (int attempt = 0; attempt < 5; ++attempt) {
    uint16_t client_port = options_.client_port;
    if (!endpoint_.empty()) {  // restart: keep the ports we had
      client_port = static_cast<uint16_t>(std::stoi(endpoint_.substr(endpoint_.rfind(':') + 1)));
    } else if (pick_client) {
      auto port = freePort(options_.host);
      if (!port) {
        return tl::unexpected(port.error());
      }
      client_port = *port;
    }
    if (pick_peer) {
      auto port = freePort(options_.host);
      if (!port) {
        return tl::unexpected(port.error());
      }
      peer_port_ = *port;
    }
    std::string client_url = "http://" + options_.host + ":" + std::to_string(client_port);
    std::string peer_url = "http://" + options_.host + ":" + std::to_string(peer_port_);
    bool tls = !options_.tls.cert_file.empty();
    if (tls) {
      client_url = "https://" + options_.host + ":" + std::to_string(client_port);
    }
    std::vector<std::string> args = {*binary,
                                     "--name",
                                     "default",
                                     "--data-dir",
                                     options_.data_dir,
                                     "--listen-client-urls",
                                     client_url,
                                     "--advertise-client-urls",
                                     client_url,
                                     "--listen-peer-urls",
                                     peer_url,
                                     "--initial-advertise-peer-urls",
                                     peer_url,
                                     "--initial-cluster",
                                     "default=" + peer_url,
                                     "--auto-compaction-mode",
                                     "periodic",
                                     "--auto-compaction-retention",
                                     "1h",
                                     "--quota-backend-bytes",
                                     "2147483648"};
    if (tls) {
      args.insert(args.end(),
                  {"--cert-file", options_.tls.cert_file, "--key-file", options_.tls.key_file});
      if (!options_.tls.trusted_ca_file.empty()) {
        args.insert(args.end(),
                    {"--trusted-ca-file", options_.tls.trusted_ca_file, "--client-cert-auth"});
      }
    }
    args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);

    int log_fd = open(options_.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) {
      return fail(Errc::kInvalidArgument,
                  "embedded etcd: log file " + options_.log_file + ": " + errnoText());
    }
    off_t log_start = lseek(log_fd, 0, SEEK_END);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
      close(log_fd);
      return fail(Errc::kInternal, std::string("embedded etcd: fork: ") + errnoText());
    }
    if (pid == 0) {
      // Child: async-signal-safe calls only. PDEATHSIG fires when the forking *thread*
      // exits, so start() belongs on a long-lived thread (main in practice).
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) {
        _exit(127);  // the parent died before prctl took effect
      }
      // A process group of its own: Ctrl-C in a terminal (SIGINT to the foreground group)
      // reaches the server only, which then leaves the cluster cleanly (revokes its lease)
      // and stops etcd itself. Sharing the group, etcd died first and the goodbye failed.
      setpgid(0, 0);
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
      int devnull = open("/dev/null", O_RDONLY);
      if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
      }
      // Do not leak our sockets and files (gRPC's, the test's) into etcd.
      syscall(SYS_close_range, 3U, ~0U, 0U);
      execve(argv[0], argv.data(), environ);
      _exit(127);
    }
    close(log_fd);
    pid_ = pid;
    endpoint_ = client_url;

    auto ready = waitReady(log_start);
    if (ready) {
      return {};
    }
    last = ready.error();
    bool clash = last.message.find("address already in use") != std::string::npos;
    if (!clash) {
      return tl::unexpected(last);
    }
    // Port taken by someone else between freePort() and etcd's bind: pick others, or
    // (restart / fixed port) wait for it to be released.
    if (!pick_client) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200 * (attempt + 1)));
    } else {
      endpoint_.clear();
    }
  }
  return tl::unexpected(last);
}

Result<void> EmbeddedEtcd::waitReady(off_t log_start) {
  ClientOptions client_options;
  client_options.endpoints = {endpoint_};
  client_options.call_timeout = std::chrono::milliseconds(500);
  client_options.tls.ca_file = options_.tls.trusted_ca_file;
  client_options.tls.cert_file = options_.tls.client_cert_file;
  client_options.tls.key_file = options_.tls.client_key_file;
  auto client = Client::create(client_options);
  if (!client) {
    (void)stop();
    return tl::unexpected(client.error());
  }
  auto deadline = Clock::now() + options_.start_timeout;
  Error last;
  for (;;) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      std::string how = WIFEXITED(status)
                            ? "exited with status " + std::to_string(WEXITSTATUS(status))
                            : "killed by signal " + std::to_string(WTERMSIG(status));
      std::string tail = logTail(options_.log_file, log_start, 15);
      return fail(Errc::kUnavailable, "embedded etcd " + endpoint_ + " " + how
                                          + " during start-up; last lines of " + options_.log_file
                                          + ":" + tail);
    }
    auto st = (*client)->status();
    if (st) {
      return {};
    }
    last = st.error();
    if (Clock::now() >= deadline) {
      (void)stop();
      return fail(Errc::kDeadlineExceeded, "embedded etcd " + endpoint_ + " not ready after "
                                               + std::to_string(options_.start_timeout.count())
                                               + "ms (" + last.message + "); last lines of "
                                               + options_.log_file + ":"
                                               + logTail(options_.log_file, log_start, 15));
    }
    // status() itself waits up to 500 ms for the connection; a short pause avoids spinning
    // when it fails fast.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Result<void> EmbeddedEtcd::stop() {
  if (pid_ <= 0) {
    return {};
  }
  pid_t pid = pid_;
  pid_ = -1;
  if (kill(pid, SIGTERM) != 0 && errno == ESRCH) {
    waitpid(pid, nullptr, 0);
    return {};
  }
  auto deadline = Clock::now() + std::chrono::seconds(10);
  int status = 0;
  while (Clock::now() < deadline) {
    pid_t got = waitpid(pid, &status, WNOHANG);
    if (got == pid || (got < 0 && errno == ECHILD)) {
      return {};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return fail(Errc::kDeadlineExceeded,
              "embedded etcd pid " + std::to_string(pid) + " ignored SIGTERM for 10s; killed");
}

void EmbeddedEtcd::kill9() {
  if (pid_ <= 0) {
    return;
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

Result<void> EmbeddedEtcd::restart() {
  auto stopped = stop();
  if (!stopped) {
    return stopped;
  }
  return launch();
}

}  // namespace ninevolt::etcd
