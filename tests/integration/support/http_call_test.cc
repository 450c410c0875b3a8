// testing::httpCall must give up at its deadline: a test whose server stops answering fails
// with what it waited for, instead of hanging until ctest's timeout.
#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/process.h"

namespace ninevolt::testing {
namespace {

using namespace std::chrono_literals;

// A socket on 127.0.0.1 that listens and never accepts: the kernel completes the handshake
// from its backlog and takes the request into its buffer, but nothing ever answers.
class SilentListener {
 public:
  SilentListener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 || listen(fd_, 8) != 0
        || getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(a.sin_port);
  }
  ~SilentListener() { close(fd_); }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  uint16_t port() const { return port_; }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

TEST(HttpCall, GivesUpWhenTheServerNeverAnswers) {
  SilentListener silent;
  // Before the fix this call never returned (beast's expires_after bounds only asynchronous
  // operations), and ctest's timeout killed the binary.
  auto r = httpCall(silent.port(), "GET", "/status/check", {}, {}, 1s);
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(r.body.empty());
}

TEST(HttpCall, GivesUpWhenTheAnswerStopsHalfway) {
  SilentListener server;
  // Accepts, sends the status line and half the headers, then says nothing more.
  std::thread t([&] {
    int c = accept(server.fd(), nullptr, nullptr);
    if (c >= 0) {
      const std::string partial = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n";
      (void)!write(c, partial.data(), partial.size());
      char buf[4096];
      // Holds the connection open until the client closes it at its deadline.
      while (read(c, buf, sizeof(buf)) > 0) {
      }
      close(c);
    }
  });
  auto r = httpCall(server.port(), "GET", "/", {}, {}, 1s);
  t.join();
  EXPECT_EQ(r.status, 0);
}

TEST(HttpCall, NothingListeningIsStatusZero) {
  auto port = freePort();
  EXPECT_EQ(httpCall(port, "GET", "/", {}, {}, 1s).status, 0);
  EXPECT_FALSE(httpGet(port, "/"));
}

}  // namespace
}  // namespace ninevolt::testing
