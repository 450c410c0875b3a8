#include "tcp_proxy.h"

#include <array>
#include <future>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace ninevolt::e2e {

namespace asio = boost::asio;
using asio::ip::tcp;

// One forwarded connection: the accepted client socket and ours to the upstream.
struct TcpProxy::Pair : std::enable_shared_from_this<TcpProxy::Pair> {
  Pair(asio::io_context& io, tcp::socket client) : client(std::move(client)), server(io) {}
  tcp::socket client;
  tcp::socket server;
  std::array<char, 16384> up{};    // client -> server
  std::array<char, 16384> down{};  // server -> client
  bool closed = false;

  void close() {
    if (closed) {
      return;
    }
    closed = true;
    boost::system::error_code ec;
    client.close(ec);
    server.close(ec);
  }

  // Copies from `from` to `to` until either side fails; then closes both.
  void pump(tcp::socket& from, tcp::socket& to, std::array<char, 16384>& buf,
            std::function<void()> on_closed) {
    from.async_read_some(
        asio::buffer(buf), [self = shared_from_this(), &from, &to, &buf, on_closed](
                               const boost::system::error_code& ec, size_t n) {
          if (ec || self->closed) {
            self->close();
            on_closed();
            return;
          }
          asio::async_write(
              to, asio::buffer(buf.data(), n),
              [self, &from, &to, &buf, on_closed](const boost::system::error_code& wec, size_t) {
                if (wec || self->closed) {
                  self->close();
                  on_closed();
                  return;
                }
                self->pump(from, to, buf, on_closed);
              });
        });
  }
};

TcpProxy::TcpProxy(const std::string& upstream_host, uint16_t upstream_port)
    : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
      upstream_(asio::ip::make_address(upstream_host), upstream_port) {
  port_ = acceptor_.local_endpoint().port();
  startAccept();
  thread_ = std::thread([this] { io_.run(); });
}

TcpProxy::~TcpProxy() {
  asio::post(io_, [this] {
    closeAll();
    boost::system::error_code ec;
    acceptor_.close(ec);
  });
  io_.stop();
  thread_.join();
}

void TcpProxy::startAccept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) {
      return;
    }
    if (!ec) {
      if (refusing_) {
        boost::system::error_code ignored;
        socket.close(ignored);
      } else {
        auto pair = std::make_shared<Pair>(io_, std::move(socket));
        pairs_.insert(pair);
        pair->server.async_connect(upstream_, [this, pair](const boost::system::error_code& cec) {
          auto forget = [this, pair] { pairs_.erase(pair); };
          if (cec || pair->closed) {
            pair->close();
            forget();
            return;
          }
          pair->pump(pair->client, pair->server, pair->up, forget);
          pair->pump(pair->server, pair->client, pair->down, forget);
        });
      }
    }
    startAccept();
  });
}

void TcpProxy::closeAll() {
  auto pairs = std::move(pairs_);
  pairs_.clear();
  for (const auto& p : pairs) {
    p->close();
  }
}

void TcpProxy::cut() {
  std::promise<void> done;
  asio::post(io_, [&] {
    refusing_ = true;
    closeAll();
    done.set_value();
  });
  done.get_future().wait();
}

void TcpProxy::restore() {
  std::promise<void> done;
  asio::post(io_, [&] {
    refusing_ = false;
    done.set_value();
  });
  done.get_future().wait();
}

}  // namespace ninevolt::e2e
