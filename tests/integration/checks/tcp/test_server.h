#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace ninevolt::testing {

// A TCP peer on 127.0.0.1 port 0, served by its own io_context on its own thread. Every mode
// keeps reading after it has written, so it notices when the check closes the connection
// (closed() counts connections the client ended).
class TestServer {
 public:
  enum class Mode {
    kBanner,  // writes `text` on accept
    kEcho,    // writes back whatever it reads
    kSilent,  // never writes
    kSlow,    // writes `text` after `delay`
    kHangUp,  // writes `text`, then closes
  };
  explicit TestServer(Mode mode, std::string text = "",
                      std::chrono::milliseconds delay = std::chrono::milliseconds(0));
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }
  int closed() const { return closed_.load(); }

 private:
  void accept();
  void serve(std::shared_ptr<boost::asio::ip::tcp::socket> socket);
  void readUntilClosed(std::shared_ptr<boost::asio::ip::tcp::socket> socket, bool echo);

  Mode mode_;
  std::string text_;
  std::chrono::milliseconds delay_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<int> accepted_{0};
  std::atomic<int> closed_{0};
  std::thread thread_;
};

}  // namespace ninevolt::testing
