#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace ninevolt::e2e {

// A TCP forwarder on 127.0.0.1 (port 0, its own thread) in front of one upstream, so that a
// test can cut one member off etcd while etcd itself keeps running (and the test can write
// to it and compact it meanwhile). cut() closes every forwarded connection and refuses new
// ones (accepted, then closed at once) until restore().
class TcpProxy {
 public:
  TcpProxy(const std::string& upstream_host, uint16_t upstream_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  uint16_t port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void cut();  // blocks until every connection is closed
  void restore();

 private:
  struct Pair;
  void startAccept();
  void closeAll();  // proxy thread

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::endpoint upstream_;
  uint16_t port_ = 0;
  bool refusing_ = false;                  // proxy thread only
  std::set<std::shared_ptr<Pair>> pairs_;  // proxy thread only
  std::thread thread_;
};

}  // namespace ninevolt::e2e
