#include "test_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace ninevolt::checks::http::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

struct TestServer::Impl {
  // Waits until the client closes the connection (or the server stops).
  template <class Stream>
  static asio::awaitable<void> holdUntilClosed(TestServer& server, Stream& stream) {
    char byte = 0;
    boost::system::error_code ec;
    while (!ec) {
      co_await stream.async_read_some(asio::buffer(&byte, 1),
                                      asio::redirect_error(asio::use_awaitable, ec));
    }
    ++server.closed_by_client_;
  }

  template <class Stream>
  static asio::awaitable<void> serve(TestServer& server, Stream& stream) {
    beast::flat_buffer buffer;
    bhttp::request<bhttp::string_body> req;
    boost::system::error_code ec;
    co_await bhttp::async_read(stream, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return;
    }
    Request recorded{std::string(req.method_string()), std::string(req.target()), req.body(), {}};
    for (const auto& field : req) {
      recorded.headers[std::string(field.name_string())] = std::string(field.value());
    }
    {
      std::lock_guard lock(server.mu_);
      server.requests_.push_back(recorded);
    }
    const std::string target(req.target());
    bhttp::response<bhttp::string_body> res{bhttp::status::ok, req.version()};
    res.keep_alive(false);
    res.body() = "all ok";
    if (target == "/hang") {
      co_await holdUntilClosed(server, stream);
      co_return;
    }
    if (target == "/slowbody") {
      std::string head =
          "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n0123456789";
      co_await asio::async_write(stream, asio::buffer(head),
                                 asio::redirect_error(asio::use_awaitable, ec));
      co_await holdUntilClosed(server, stream);
      co_return;
    }
    if (target.rfind("/status/", 0) == 0) {
      res.result(std::stoi(target.substr(8)));
      res.body() = "status page";
    } else if (target == "/redirect") {
      res.result(bhttp::status::found);
      res.set(bhttp::field::location, "/ok");
      res.body() = "moved";
    } else if (target == "/big") {
      res.body() = std::string(2 << 20, 'x') + "needle";
    }
    res.prepare_payload();
    co_await bhttp::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    stream.lowest_layer().shutdown(tcp::socket::shutdown_send, ec);
    // Drain until the client closes, so the response is never cut by a reset.
    co_await holdUntilClosed(server, stream);
  }

  static asio::awaitable<void> connection(TestServer& server, tcp::socket socket) {
    if (server.silent_) {
      co_await holdUntilClosed(server, socket);  // reads, never answers
      co_return;
    }
    if (!server.ssl_) {
      co_await serve(server, socket);
      co_return;
    }
    asio::ssl::stream<tcp::socket> stream(std::move(socket), *server.ssl_);
    boost::system::error_code ec;
    co_await stream.async_handshake(asio::ssl::stream_base::server,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      co_await serve(server, stream);
    }
  }

  static asio::awaitable<void> accept(TestServer& server) {
    while (true) {
      boost::system::error_code ec;
      tcp::socket socket =
          co_await server.acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        co_return;
      }
      ++server.accepted_;
      asio::co_spawn(server.io_, connection(server, std::move(socket)), asio::detached);
    }
  }
};

TestServer::TestServer(const std::string& cert_file, const std::string& key_file)
    : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  port_ = acceptor_.local_endpoint().port();
  if (!cert_file.empty()) {
    ssl_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    ssl_->use_certificate_chain_file(cert_file);
    ssl_->use_private_key_file(key_file, asio::ssl::context::pem);
  }
  asio::co_spawn(io_, Impl::accept(*this), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

TestServer::TestServer(Silent) : TestServer() {
  silent_ = true;
}

TestServer::~TestServer() {
  io_.stop();
  thread_.join();
}

std::vector<TestServer::Request> TestServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

}  // namespace ninevolt::checks::http::testing
