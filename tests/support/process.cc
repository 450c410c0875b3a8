#include "support/process.h"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/slowdown.h"

namespace ninevolt::testing {

Process::Process(std::vector<std::string> argv, std::map<std::string, std::string> env,
                 std::string output_file)
    : output_file_(std::move(output_file)) {
  pid_ = fork();
  if (pid_ < 0) {
    throw std::runtime_error("fork failed");
  }
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    // A group of its own, as a shell gives a foreground job: signalGroup() then does what
    // Ctrl-C in a terminal does, to it and to whatever it started in the same group.
    setpgid(0, 0);
    int fd = open(output_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    // Nothing of ours past stdio: a child holding a copy of the test's sockets keeps them
    // open after the test closes them (a target "taken down" still listens, a connection a
    // TcpProxy cut stays open and just hangs), as EmbeddedEtcd does for its etcd.
    syscall(SYS_close_range, 3U, ~0U, 0U);
    for (const auto& [k, v] : env) {
      setenv(k.c_str(), v.c_str(), 1);
    }
    std::vector<char*> args;
    for (auto& a : argv) {
      args.push_back(a.data());
    }
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
}

void Process::signalGroup(int signo) const {
  if (pid_ > 0) {
    kill(-pid_, signo);
  }
}

Process::~Process() {
  if (!exit_code_) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

void Process::signal(int signo) const {
  kill(pid_, signo);
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
  if (exit_code_) {
    return exit_code_;
  }
  auto until = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= until) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string Process::output() const {
  std::ifstream in(output_file_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

uint16_t freePort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

namespace {

// Runs one asynchronous operation to its end on `io` and returns its error. The operations
// are asynchronous because beast's tcp_stream enforces expires_after() only on those: with
// the synchronous calls a server that accepts and never answers hung the test until ctest's
// timeout.
template <typename Start>
boost::beast::error_code runOne(boost::asio::io_context& io, Start start) {
  boost::beast::error_code ec = boost::asio::error::would_block;
  start([&ec](boost::beast::error_code e, auto&&...) { ec = e; });
  io.restart();
  io.run();
  return ec;
}

}  // namespace

HttpReply httpCall(uint16_t port, const std::string& method, const std::string& target,
                   const std::string& body, const std::map<std::string, std::string>& headers,
                   std::chrono::seconds deadline) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  // One deadline for the whole exchange (connect, write, read), scaled like eventually()'s.
  stream.expires_after(slow(deadline));
  const boost::asio::ip::tcp::endpoint server{boost::asio::ip::make_address("127.0.0.1"), port};
  if (runOne(io, [&](auto done) { stream.async_connect(server, done); })) {
    return {};  // nothing listening (yet), or no answer in time
  }
  http::request<http::string_body> req(http::string_to_verb(method), target, 11);
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) {
    req.set(k, v);
  }
  req.body() = body;
  req.prepare_payload();
  if (runOne(io, [&](auto done) { http::async_write(stream, req, done); })) {
    return {};
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::uint64_t{256} << 20);
  // Includes end_of_stream before a response, and the deadline: nothing answered.
  if (runOne(io, [&](auto done) { http::async_read(stream, buffer, parser, done); })) {
    return {};
  }
  auto& res = parser.get();
  HttpReply r{static_cast<int>(res.result_int()), std::move(res.body()), {}};
  for (const auto& f : res) {
    r.headers[std::string(f.name_string())] = std::string(f.value());
  }
  return r;
}

std::optional<HttpReply> httpGet(uint16_t port, const std::string& path) {
  auto r = httpCall(port, "GET", path, {}, {}, std::chrono::seconds(10));
  if (r.status == 0) {
    return std::nullopt;
  }
  return r;
}

}  // namespace ninevolt::testing
