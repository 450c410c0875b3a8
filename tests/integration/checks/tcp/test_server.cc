#include "test_server.h"

#include <array>
#include <memory>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace ninevolt::testing {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

TestServer::TestServer(Mode mode, std::string text, std::chrono::milliseconds delay)
    : mode_(mode),
      text_(std::move(text)),
      delay_(delay),
      acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  port_ = acceptor_.local_endpoint().port();
  accept();
  thread_ = std::thread([this] { io_.run(); });
}

TestServer::~TestServer() {
  io_.stop();
  thread_.join();
}

void TestServer::accept() {
  acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
    if (ec) {
      return;
    }
    ++accepted_;
    serve(std::make_shared<tcp::socket>(std::move(socket)));
    accept();
  });
}

void TestServer::serve(std::shared_ptr<tcp::socket> socket) {
  switch (mode_) {
    case Mode::kBanner:
      asio::async_write(*socket, asio::buffer(text_), [](error_code, size_t) {});
      readUntilClosed(socket, false);
      break;
    case Mode::kEcho:
      readUntilClosed(socket, true);
      break;
    case Mode::kSilent:
      readUntilClosed(socket, false);
      break;
    case Mode::kHangUp:
      asio::async_write(*socket, asio::buffer(text_), [this, socket](error_code, size_t) {
        socket->close();
        ++closed_;
      });
      break;
    case Mode::kSlow: {
      auto timer = std::make_shared<asio::steady_timer>(io_, delay_);
      timer->async_wait([this, socket, timer](error_code) {
        asio::async_write(*socket, asio::buffer(text_), [](error_code, size_t) {});
      });
      readUntilClosed(socket, false);
      break;
    }
  }
}

void TestServer::readUntilClosed(std::shared_ptr<tcp::socket> socket, bool echo) {
  auto buffer = std::make_shared<std::array<char, 4096>>();
  socket->async_read_some(
      asio::buffer(*buffer), [this, socket, buffer, echo](error_code ec, size_t n) {
        if (ec) {
          // EOF or reset: the check closed its end.
          ++closed_;
          return;
        }
        if (echo) {
          auto copy = std::make_shared<std::string>(buffer->data(), n);
          asio::async_write(*socket, asio::buffer(*copy), [copy](error_code, size_t) {});
        }
        readUntilClosed(socket, echo);
      });
}

}  // namespace ninevolt::testing
