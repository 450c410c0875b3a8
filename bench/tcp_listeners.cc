#include "tcp_listeners.h"

#include <future>

#include <boost/asio/post.hpp>

namespace ninevolt::bench {

namespace asio = boost::asio;
using asio::ip::tcp;

TcpListeners::TcpListeners(size_t n) {
  for (size_t i = 0; i < n; ++i) {
    auto l = std::make_unique<Listener>(io_);
    if (!listen(*l, 0)) {
      throw std::runtime_error("tcp listeners: cannot listen on 127.0.0.1");
    }
    l->port = l->acceptor.local_endpoint().port();
    listeners_.push_back(std::move(l));
  }
  for (auto& l : listeners_) {
    accept(*l);
  }
  thread_ = std::thread([this] { io_.run(); });
}

TcpListeners::~TcpListeners() {
  work_.reset();
  io_.stop();
  thread_.join();
}

bool TcpListeners::listen(Listener& l, uint16_t port) {
  boost::system::error_code ec;
  const tcp::endpoint at(asio::ip::make_address("127.0.0.1"), port);
  l.acceptor.open(at.protocol(), ec);
  if (!ec) {
    l.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  }
  if (!ec) {
    l.acceptor.bind(at, ec);
  }
  if (!ec) {
    l.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    l.acceptor.close(ec);
    return false;
  }
  return true;
}

void TcpListeners::accept(Listener& l) {
  l.acceptor.async_accept([this, &l](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !l.acceptor.is_open()) {
      return;  // closed by setOpen(i, false)
    }
    if (!ec) {
      l.accepts++;
      boost::system::error_code ignored;
      socket.close(ignored);
    }
    accept(l);
  });
}

bool TcpListeners::setOpen(size_t i, bool open) {
  std::promise<bool> done;
  asio::post(io_, [&] {
    Listener& l = *listeners_[i];
    bool ok = true;
    if (!open && l.acceptor.is_open()) {
      boost::system::error_code ec;
      l.acceptor.close(ec);
    } else if (open && !l.acceptor.is_open()) {
      ok = listen(l, l.port);
      if (ok) {
        accept(l);
      }
    }
    done.set_value(ok);
  });
  return done.get_future().get();
}

}  // namespace ninevolt::bench
