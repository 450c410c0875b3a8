// The e2e harness itself: what the cluster tests and the chaos run (bench/chaos_bench.cc)
// rely on when they start members and cut them off.
#include <chrono>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>
#include <poll.h>

#include "recording_target.h"
#include "support/etcd_fixture.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "tcp_proxy.h"

namespace ninevolt::e2e {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// Whether a connection to 127.0.0.1:port is accepted.
bool connects(uint16_t port) {
  asio::io_context io;
  tcp::socket s(io);
  boost::system::error_code ec;
  s.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  return !ec;
}

// Whether the peer closed `s` within `timeout` (EOF or reset), reading away what it sent.
bool closedByPeer(tcp::socket& s, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{s.native_handle(), POLLIN, 0};
    if (::poll(&p, 1, 50) > 0) {
      char buf[512];
      boost::system::error_code ec;
      s.read_some(asio::buffer(buf), ec);
      if (ec) {
        return true;
      }
    }
  }
  return false;
}

// A child started while the test holds a listening socket must not keep it listening after
// the test closes it (a tcp target the chaos run takes down stayed up: every member held a
// copy of it).
TEST(HarnessTest, ChildProcessDoesNotKeepTheParentsListeningSocket) {
  testing::TempDir dir;
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const uint16_t port = acceptor.local_endpoint().port();
  auto child = std::make_unique<testing::Process>(std::vector<std::string>{"/bin/sleep", "30"},
                                                  std::map<std::string, std::string>{},
                                                  (dir.path() / "sleep.log").string());
  acceptor.close();
  EXPECT_FALSE(connects(port)) << "the child still listens on the test's port";
}

// TcpProxy::cut() closes the member's connection also when a process was started while it
// was open (members are started one after another while the earlier ones are connected).
TEST(HarnessTest, ProxyCutClosesAConnectionAlthoughAChildStartedMeanwhile) {
  testing::TempDir dir;
  RecordingTarget upstream;
  TcpProxy proxy("127.0.0.1", upstream.port());
  asio::io_context io;
  tcp::socket client(io);
  client.connect({asio::ip::make_address("127.0.0.1"), proxy.port()});
  // The proxy has accepted it and connected upstream once a request goes through.
  const std::string req = "GET /c/x HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n";
  asio::write(client, asio::buffer(req));
  ASSERT_TRUE(testing::eventually([&] { return upstream.count() == 1; }, std::chrono::seconds(5)));
  auto child = std::make_unique<testing::Process>(std::vector<std::string>{"/bin/sleep", "30"},
                                                  std::map<std::string, std::string>{},
                                                  (dir.path() / "sleep.log").string());
  proxy.cut();
  EXPECT_TRUE(closedByPeer(client, std::chrono::seconds(3)))
      << "the cut connection stayed open (a child holds the proxy's end of it)";
}

}  // namespace
}  // namespace ninevolt::e2e
