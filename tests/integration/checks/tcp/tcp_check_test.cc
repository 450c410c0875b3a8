// The tcp check against the test's own servers on 127.0.0.1 (test_server.h).
#include "checks/tcp/tcp_check.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <iterator>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "checks/tcp/tcp_type.h"
#include "config/spec.h"
#include "integration/checks/check_harness.h"
#include "test_server.h"

namespace ninevolt::checks {
namespace {

namespace asio = boost::asio;
using ninevolt::testing::TestServer;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using SteadyClock = std::chrono::steady_clock;

config::MonitorSpec tcpSpec(uint16_t port,
                            const nlohmann::json& fields = nlohmann::json::object()) {
  return checks::testing::specOf(
      {{"type", "tcp"}, {"host", "127.0.0.1"}, {"port", port}, {"interval", "10s"}}, fields);
}

size_t openFds() {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                                           std::filesystem::directory_iterator()));
}

class TcpCheckTest : public ::testing::Test {
 protected:
  // Runs the loop until pred holds or the deadline passes.
  bool runUntil(const std::function<bool()>& pred, milliseconds deadline = seconds(10)) {
    auto until = SteadyClock::now() + deadline;
    while (!pred() && SteadyClock::now() < until) {
      io_.restart();
      if (io_.run_for(milliseconds(5)) == 0) {
        std::this_thread::yield();  // nothing queued here: the other side is another thread
      }
    }
    return pred();
  }

  CheckResult run(const config::MonitorSpec& spec) {
    auto check = factory_->create(spec, io_);
    std::optional<CheckResult> result;
    int calls = 0;
    check->start([&](CheckResult r) {
      ++calls;
      result = std::move(r);
    });
    EXPECT_FALSE(result) << "done called from inside start()";
    EXPECT_TRUE(runUntil([&] { return result.has_value(); }));
    // Nothing more may arrive for this run.
    io_.restart();
    io_.poll();
    EXPECT_EQ(calls, 1);
    return result.value_or(CheckResult::unknown("no result"));
  }

  static std::vector<std::string> phaseNames(const CheckResult& r) {
    std::vector<std::string> names;
    for (const auto& [name, d] : r.phases) {
      names.push_back(name);
    }
    return names;
  }

  asio::io_context io_;
  std::unique_ptr<CheckFactory> factory_ = makeTcpCheckFactory();
};

TEST_F(TcpCheckTest, ConnectOnlyIsOkAndClosesTheSocket) {
  TestServer server(TestServer::Mode::kSilent);
  auto r = run(tcpSpec(server.port()));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(r.message, "connected to 127.0.0.1:" + std::to_string(server.port()));
  EXPECT_THAT(phaseNames(r), ::testing::ElementsAre("connect", "total"));
  EXPECT_EQ(r.values.at("bytes_read"), 0);
  EXPECT_TRUE(runUntil([&] { return server.closed() == 1; })) << "the check left it open";
}

TEST_F(TcpCheckTest, BannerMatchesExpect) {
  TestServer server(TestServer::Mode::kBanner, "220 mail.example ESMTP\r\n");
  auto r = run(tcpSpec(server.port(), {{"expect", "ESMTP"}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_THAT(r.message, StartsWith("found \"ESMTP\" in 24 bytes"));
  EXPECT_EQ(r.values.at("bytes_read"), 24);
  EXPECT_THAT(phaseNames(r), ::testing::ElementsAre("connect", "read", "total"));
  EXPECT_TRUE(runUntil([&] { return server.closed() == 1; }));
}

TEST_F(TcpCheckTest, SendThenExpectTheEcho) {
  TestServer server(TestServer::Mode::kEcho);
  auto r = run(tcpSpec(server.port(), {{"send", "PING\r\n"}, {"expect", "PING"}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_THAT(phaseNames(r), ::testing::ElementsAre("connect", "write", "read", "total"));
  EXPECT_TRUE(runUntil([&] { return server.closed() == 1; }));
}

TEST_F(TcpCheckTest, SendWithoutExpectIsOkOnceWritten) {
  TestServer server(TestServer::Mode::kSilent);
  auto r = run(tcpSpec(server.port(), {{"send", "hello"}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_THAT(r.message, HasSubstr("sent 5 bytes"));
  EXPECT_THAT(phaseNames(r), ::testing::ElementsAre("connect", "write", "total"));
}

TEST_F(TcpCheckTest, SilentPeerTimesOutReading) {
  TestServer server(TestServer::Mode::kSilent);
  auto started = SteadyClock::now();
  auto r = run(tcpSpec(server.port(), {{"expect", "+PONG"}, {"read-timeout", "300ms"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message, "timed out after 300ms while reading (read-timeout 300ms), got 0 bytes");
  EXPECT_EQ(r.failure, Failure::kTimeout);
  EXPECT_GE(SteadyClock::now() - started, milliseconds(300));
  EXPECT_TRUE(runUntil([&] { return server.closed() == 1; }));
}

TEST_F(TcpCheckTest, WrongBannerQuotesWhatArrived) {
  TestServer server(TestServer::Mode::kBanner, "-ERR no\r\n");
  auto r = run(tcpSpec(server.port(), {{"expect", "+PONG"}, {"read-timeout", "200ms"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message,
            "timed out after 200ms while reading (read-timeout 200ms), got 9 bytes: "
            "\"-ERR no\\r\\n\"");
}

TEST_F(TcpCheckTest, ReadSizeBoundsTheSearch) {
  TestServer server(TestServer::Mode::kBanner, "0123456789 TOKEN");
  auto r = run(tcpSpec(server.port(), {{"expect", "TOKEN"}, {"read-size", 8}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message, "expected \"TOKEN\" not found (read-size 8 bytes reached): \"01234567\"");
  EXPECT_EQ(r.values.at("bytes_read"), 8);
}

TEST_F(TcpCheckTest, PeerClosingBeforeExpectIsCritical) {
  TestServer server(TestServer::Mode::kHangUp, std::string("bye\0\x01", 5));
  auto r = run(tcpSpec(server.port(), {{"expect", "hello"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message,
            "expected \"hello\" not found (connection closed after 5 bytes): \"bye\\x00\\x01\"");
}

TEST_F(TcpCheckTest, SlowPeerWithinReadTimeoutIsOk) {
  TestServer server(TestServer::Mode::kSlow, "ready", milliseconds(300));
  auto r = run(tcpSpec(server.port(), {{"expect", "ready"}, {"read-timeout", "3s"}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
}

TEST_F(TcpCheckTest, SlowPeerPastReadTimeoutIsCritical) {
  TestServer server(TestServer::Mode::kSlow, "ready", milliseconds(3000));
  auto r = run(tcpSpec(server.port(), {{"expect", "ready"}, {"read-timeout", "200ms"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_THAT(r.message, StartsWith("timed out after 200ms while reading"));
}

TEST_F(TcpCheckTest, TotalTimeoutBoundsTheRead) {
  TestServer server(TestServer::Mode::kSilent);
  auto r =
      run(tcpSpec(server.port(), {{"expect", "x"}, {"read-timeout", "5s"}, {"timeout", "300ms"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message, "timed out after 300ms while reading (read-timeout 5s), got 0 bytes");
  EXPECT_TRUE(runUntil([&] { return server.closed() == 1; }));
}

// A listener that never accepts: the kernel completes the handshake and buffers some data,
// then the peer's window closes and the write blocks.
TEST_F(TcpCheckTest, WriteTimeoutWhenThePeerStopsReading) {
  asio::ip::tcp::acceptor listener(io_, {asio::ip::make_address("127.0.0.1"), 0});
  // 64 MiB, far above what config accepts for `send` (64 KiB) but what it takes to fill the
  // kernel's buffers on loopback: set on the parsed spec.
  auto spec = tcpSpec(listener.local_endpoint().port(),
                      {{"send", "x"}, {"write-timeout", "300ms"}, {"timeout", "5s"}});
  auto typed = std::make_shared<checks::tcp::TcpSpec>(spec.options<checks::tcp::TcpSpec>());
  typed->send = std::string(64 << 20, 'x');
  spec.typed = typed;
  auto r = run(spec);
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_THAT(r.message,
              StartsWith("timed out after 300ms while writing (write-timeout 300ms), wrote "));
  EXPECT_THAT(r.message, ::testing::EndsWith(" of 67108864 bytes"));
  EXPECT_THAT(r.message, ::testing::Not(HasSubstr("wrote 0 of"))) << "the kernel buffers some";
}

TEST_F(TcpCheckTest, ClosedPortIsRefused) {
  uint16_t port = 0;
  {
    asio::ip::tcp::acceptor probe(io_, {asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }
  auto r = run(tcpSpec(port));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message, "connecting to 127.0.0.1:" + std::to_string(port) + ": connection refused");
  EXPECT_EQ(r.failure, Failure::kConnect);
}

TEST_F(TcpCheckTest, NoDescriptorLeftIsUnknownNotTheTargetsFault) {
  uint16_t port = 0;
  {
    asio::ip::tcp::acceptor probe(io_, {asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();  // the loop's reactor exists from here on
  }
#ifdef NINEVOLT_SANITIZE_UNDEFINED
  // UBSan's vptr check opens /proc/self/maps the first time it meets a polymorphic type;
  // with no descriptor left it calls valid objects' vptrs invalid (make test-asan). The
  // normal build (make test) runs this test.
  GTEST_SKIP() << "needs a free descriptor under UBSan";
#endif
  auto check = factory_->create(tcpSpec(port), io_);
  // Lower the descriptor limit to the lowest free descriptor: the check's socket() fails
  // with EMFILE, as on a member that ran out of descriptors.
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  int lowest_free = ::dup(0);
  ASSERT_GE(lowest_free, 0);
  ::close(lowest_free);
  rlimit tight = saved;
  tight.rlim_cur = static_cast<rlim_t>(lowest_free);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &tight), 0);
  std::optional<CheckResult> result;
  check->start([&](CheckResult r) { result = std::move(r); });
  bool done = runUntil([&] { return result.has_value(); });
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_TRUE(done);
  EXPECT_EQ(result->status, Status::kUnknown) << result->message;
  EXPECT_THAT(result->message, HasSubstr("cannot open a socket on this machine"));
}

// A listener whose accept queue is full drops further SYNs (Linux, tcp_abort_on_overflow=0),
// so a connect to it hangs: the only honest connect timeout on loopback.
TEST_F(TcpCheckTest, ConnectTimeoutNamesThePhase) {
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 0), 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  uint16_t port = ntohs(addr.sin_port);

  // Fill the queue: connect until one connect does not complete.
  std::vector<int> fillers;
  bool full = false;
  for (int i = 0; i < 16 && !full; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    fillers.push_back(fd);
    ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    pollfd p{fd, POLLOUT, 0};
    full = ::poll(&p, 1, 200) == 0;
  }
  if (!full) {
    for (int fd : fillers)
      ::close(fd);
    ::close(listener);
    GTEST_SKIP() << "this kernel accepts connects beyond the backlog; no hanging connect";
  }
  auto r = run(tcpSpec(port, {{"timeout", "300ms"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message,
            "timed out after 300ms while connecting to 127.0.0.1:" + std::to_string(port));
  for (int fd : fillers)
    ::close(fd);
  ::close(listener);
}

TEST_F(TcpCheckTest, LocalhostIsResolved) {
  TestServer server(TestServer::Mode::kBanner, "hi");
  auto r = run(tcpSpec(server.port(), {{"host", "localhost"}, {"expect", "hi"}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_THAT(phaseNames(r), ::testing::ElementsAre("dns", "connect", "read", "total"));
}

TEST_F(TcpCheckTest, UnresolvableNameIsCritical) {
  auto r = run(tcpSpec(9, {{"host", "no-such-host.invalid"}, {"timeout", "2s"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  // Without a reachable DNS server the lookup may hang instead of failing: both are fine.
  EXPECT_THAT(r.message, ::testing::AnyOf(StartsWith("cannot resolve \"no-such-host.invalid\""),
                                          StartsWith("timed out after 2s while resolving")));
}

TEST_F(TcpCheckTest, CancelClosesTheSocketAndNeverCallsBack) {
  TestServer server(TestServer::Mode::kSilent);
  auto check = factory_->create(tcpSpec(server.port(), {{"expect", "x"}}), io_);
  bool called = false;
  check->start([&](CheckResult) { called = true; });
  ASSERT_TRUE(runUntil([&] { return server.accepted() == 1; }));
  check->cancel();
  EXPECT_TRUE(runUntil([&] { return server.closed() == 1; }));
  io_.restart();
  io_.poll();
  EXPECT_FALSE(called);
  check->cancel();  // idle: harmless
}

TEST_F(TcpCheckTest, DestroyingARunningCheckClosesTheSocket) {
  TestServer server(TestServer::Mode::kSilent);
  bool called = false;
  {
    auto check = factory_->create(tcpSpec(server.port(), {{"expect", "x"}}), io_);
    check->start([&](CheckResult) { called = true; });
    ASSERT_TRUE(runUntil([&] { return server.accepted() == 1; }));
  }
  EXPECT_TRUE(runUntil([&] { return server.closed() == 1; }));
  io_.restart();
  io_.poll();
  EXPECT_FALSE(called);
}

TEST_F(TcpCheckTest, CheckCanBeRestartedFromItsCallback) {
  TestServer server(TestServer::Mode::kBanner, "ok");
  auto check = factory_->create(tcpSpec(server.port(), {{"expect", "ok"}}), io_);
  int runs = 0;
  std::function<void(CheckResult)> again = [&](CheckResult r) {
    EXPECT_EQ(r.status, Status::kOk) << r.message;
    if (++runs < 5) {
      check->start(again);
    }
  };
  check->start(again);
  EXPECT_TRUE(runUntil([&] { return runs == 5; }));
  EXPECT_TRUE(runUntil([&] { return server.closed() == 5; }));
}

TEST_F(TcpCheckTest, ManyConcurrentChecksOnOneLoopLeakNoDescriptors) {
  TestServer echo(TestServer::Mode::kEcho);
  TestServer silent(TestServer::Mode::kSilent);
  // One run first: the loop's reactor opens its own descriptors (epoll, eventfd, timerfd) on
  // first use, and those stay.
  EXPECT_EQ(run(tcpSpec(echo.port())).status, Status::kOk);
  ASSERT_TRUE(runUntil([&] { return echo.closed() == 1; }));
  size_t fds_before = openFds();

  constexpr int kEach = 100;
  std::vector<std::unique_ptr<Check>> checks;
  std::vector<CheckResult> results;
  for (int i = 0; i < kEach; ++i) {
    checks.push_back(factory_->create(tcpSpec(echo.port(), {{"send", "n" + std::to_string(i)},
                                                            {"expect", "n" + std::to_string(i)}}),
                                      io_));
    checks.push_back(factory_->create(
        tcpSpec(silent.port(), {{"expect", "never"}, {"read-timeout", "300ms"}}), io_));
  }
  for (auto& check : checks) {
    check->start([&](CheckResult r) { results.push_back(std::move(r)); });
  }
  ASSERT_TRUE(runUntil([&] { return results.size() == checks.size(); }));
  int ok = 0;
  int critical = 0;
  for (const auto& r : results) {
    (r.status == Status::kOk ? ok : critical)++;
  }
  EXPECT_EQ(ok, kEach);
  EXPECT_EQ(critical, kEach);
  EXPECT_TRUE(runUntil([&] { return echo.closed() == kEach + 1 && silent.closed() == kEach; }));
  EXPECT_TRUE(runUntil([&] { return openFds() == fds_before; }))
      << openFds() << " open, " << fds_before << " before";
}

}  // namespace
}  // namespace ninevolt::checks
