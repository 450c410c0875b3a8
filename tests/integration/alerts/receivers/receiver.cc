#include "receiver.h"

#include <algorithm>
#include <cctype>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace ninevolt::alerts::testing {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::string Receiver::Request::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

struct Receiver::Impl {
  // Waits until the client closes the connection (or the receiver stops).
  static asio::awaitable<void> holdUntilClosed(Receiver& r, tcp::socket& socket) {
    char byte = 0;
    boost::system::error_code ec;
    while (!ec) {
      co_await socket.async_read_some(asio::buffer(&byte, 1),
                                      asio::redirect_error(asio::use_awaitable, ec));
    }
    ++r.closed_by_client_;
  }

  static asio::awaitable<void> serve(Receiver& r, tcp::socket socket) {
    boost::beast::flat_buffer buffer;
    bhttp::request<bhttp::string_body> req;
    boost::system::error_code ec;
    co_await bhttp::async_read(socket, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return;
    }
    Request recorded{std::string(req.method_string()), std::string(req.target()), req.body(), {}};
    for (const auto& field : req) {
      recorded.headers[lower(std::string(field.name_string()))] = std::string(field.value());
    }
    {
      std::lock_guard lock(r.mu_);
      r.requests_.push_back(recorded);
    }
    Reply reply = r.handler_(recorded);
    if (reply.hang) {
      co_await holdUntilClosed(r, socket);
      co_return;
    }
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(reply.status),
                                            req.version()};
    res.keep_alive(false);
    res.set(bhttp::field::content_type, reply.content_type);
    for (const auto& [name, value] : reply.headers) {
      res.set(name, value);
    }
    if (reply.status != 204 && reply.status != 304) {  // those have no body, by definition
      res.body() = reply.body;
    }
    res.prepare_payload();
    co_await bhttp::async_write(socket, res, asio::redirect_error(asio::use_awaitable, ec));
    socket.shutdown(tcp::socket::shutdown_send, ec);
    // Drain until the client closes, so the answer is never cut by a reset.
    char byte = 0;
    while (!ec) {
      co_await socket.async_read_some(asio::buffer(&byte, 1),
                                      asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  static asio::awaitable<void> accept(Receiver& r) {
    while (true) {
      boost::system::error_code ec;
      tcp::socket socket =
          co_await r.acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        co_return;
      }
      asio::co_spawn(r.io_, serve(r, std::move(socket)), asio::detached);
    }
  }
};

Receiver::Receiver(Handler handler, uint16_t port)
    : handler_(std::move(handler)),
      acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)) {
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(io_, Impl::accept(*this), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

Receiver::~Receiver() {
  io_.stop();
  thread_.join();
}

std::string Receiver::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::vector<Receiver::Request> Receiver::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

size_t Receiver::count() const {
  std::lock_guard lock(mu_);
  return requests_.size();
}

}  // namespace ninevolt::alerts::testing
