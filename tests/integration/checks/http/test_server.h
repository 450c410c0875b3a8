#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

namespace ninevolt::checks::http::testing {

// A real HTTP(S) server on 127.0.0.1, port 0, on its own thread (Beast + C++20 coroutines),
// one request per connection. Routes:
//   /status/<n>  answers n              /redirect  302 to /ok
//   /big         2 MiB of 'x' then "needle"
//   /hang        reads the request, never answers (waits until the client goes away)
//   /slowbody    headers + 10 of 100 promised body bytes, then nothing
//   anything else: 200 "all ok"
// A Silent server only accepts. Every request is recorded (method, target as sent, headers, body).
class TestServer {
 public:
  struct Request {
    std::string method;
    std::string target;
    std::string body;
    std::map<std::string, std::string> headers;
  };

  // TLS when cert_file/key_file are given.
  explicit TestServer(const std::string& cert_file = "", const std::string& key_file = "");
  // Accepts connections and never answers (not even a TLS handshake).
  struct Silent {};
  explicit TestServer(Silent);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  uint16_t port() const { return port_; }
  std::vector<Request> requests() const;
  int accepted() const { return accepted_; }
  int closedByClient() const { return closed_by_client_; }  // /hang and /slowbody peers gone

 private:
  struct Impl;
  std::unique_ptr<boost::asio::ssl::context> ssl_;  // outlives io_ (handlers refer to it)
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  bool silent_ = false;
  mutable std::mutex mu_;
  std::vector<Request> requests_;
  std::atomic<int> accepted_{0};
  std::atomic<int> closed_by_client_{0};
  std::thread thread_;

  friend struct Impl;
};

}  // namespace ninevolt::checks::http::testing
