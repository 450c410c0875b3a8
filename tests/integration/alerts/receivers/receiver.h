#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace ninevolt::alerts::testing {

// A real HTTP/1.1 server on 127.0.0.1, port 0, on its own thread (Beast + C++20 coroutines),
// one request per connection. Each request is recorded, then answered with what the test's
// handler returns (called on the receiver's thread): the fake Slack, PagerDuty or webhook
// receiver of a test is that handler. Stopped (connections dropped) on destruction.
class Receiver {
 public:
  struct Request {
    std::string method;
    std::string target;  // path and query as sent
    std::string body;
    std::map<std::string, std::string> headers;  // names lower-cased

    // "" when absent; `name` in lower case.
    std::string header(const std::string& name) const;
  };
  struct Reply {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    bool hang = false;  // read the request, never answer (until the client goes away)
  };
  using Handler = std::function<Reply(const Request&)>;

  // port 0 = a free one; a given port lets a test bring a receiver "back" where it was.
  explicit Receiver(Handler handler, uint16_t port = 0);
  ~Receiver();
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const;  // "http://127.0.0.1:<port>"
  std::vector<Request> requests() const;
  size_t count() const;
  int closedByClient() const { return closed_by_client_; }  // hung connections the client left

 private:
  struct Impl;
  Handler handler_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  mutable std::mutex mu_;
  std::vector<Request> requests_;
  std::atomic<int> closed_by_client_{0};
  std::thread thread_;

  friend struct Impl;
};

}  // namespace ninevolt::alerts::testing
