// The websocket check against WebSocket servers on 127.0.0.1 (plain and TLS), one that
// declines the upgrade, a silent one and a closed port; and the type's config rules.
#include "checks/websocket/websocket_check.h"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "checks/websocket/websocket_type.h"
#include "config/spec.h"
#include "integration/checks/check_harness.h"
#include "support/temp_dir.h"
#include "support/test_certs.h"

namespace ninevolt::checks {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ws = boost::beast::websocket;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using SteadyClock = std::chrono::steady_clock;
using ninevolt::testing::TestCerts;

config::MonitorSpec wsSpec(uint16_t port, const nlohmann::json& fields = nlohmann::json::object()) {
  return checks::testing::specOf(
      {{"type", "websocket"}, {"host", "127.0.0.1"}, {"port", port}, {"interval", "10s"}}, fields);
}

std::vector<std::string> problemsOf(const nlohmann::json& fields) {
  return checks::testing::problemsOf({{"type", "websocket"}, {"host", "h"}, {"interval", "10s"}},
                                     fields);
}

// What a test server does with a connection.
struct Behaviour {
  int http_status = 0;               // != 0: answer the upgrade with this plain HTTP status
  bool agree_subprotocol = true;     // echo Sec-WebSocket-Protocol back
  std::string greeting;              // a message sent right after the handshake
  std::optional<std::string> reply;  // answer to each message; nullopt = stay silent
};

// A WebSocket server on the test's loop, plain or (with a certificate) over TLS. Records the
// handshake requests and the messages it gets.
template <bool Tls>
class WsServer {
  using Next = std::conditional_t<Tls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

 public:
  WsServer(asio::io_context& io, Behaviour b, const TestCerts::Pair* cert = nullptr)
      : io_(io),
        ctx_(ssl::context::tls_server),
        acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        b_(std::move(b)) {
    if (cert != nullptr) {
      ctx_.use_certificate_chain_file(cert->cert);
      ctx_.use_private_key_file(cert->key, ssl::context::pem);
    }
    accept();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  const std::vector<http::request<http::string_body>>& requests() const { return requests_; }
  const std::vector<std::string>& messages() const { return messages_; }
  int closes() const { return closes_; }

 private:
  struct Conn {
    Conn(tcp::socket s, ssl::context& ctx) : ws(makeStream(std::move(s), ctx)) {}
    static ws::stream<Next> makeStream(tcp::socket s, ssl::context& ctx) {
      if constexpr (Tls) {
        return ws::stream<Next>(std::move(s), ctx);
      } else {
        (void)ctx;
        return ws::stream<Next>(std::move(s));
      }
    }
    ws::stream<Next> ws;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::string_body> response;
    std::string out;
  };

  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket s) {
      if (ec) {
        return;
      }
      auto c = std::make_shared<Conn>(std::move(s), ctx_);
      conns_.push_back(c);
      if constexpr (Tls) {
        c->ws.next_layer().async_handshake(ssl::stream_base::server,
                                           [this, c](const boost::system::error_code& ec) {
                                             if (!ec) {
                                               readRequest(c);
                                             }
                                           });
      } else {
        readRequest(c);
      }
      accept();
    });
  }

  void readRequest(const std::shared_ptr<Conn>& c) {
    http::async_read(
        c->ws.next_layer(), c->buffer, c->request,
        [this, c](const boost::system::error_code& ec, size_t) {
          if (ec) {
            return;
          }
          requests_.push_back(c->request);
          if (b_.http_status != 0) {
            c->response.result(b_.http_status);
            c->response.body() = "no websocket here";
            c->response.prepare_payload();
            http::async_write(c->ws.next_layer(), c->response,
                              [c](const boost::system::error_code&, size_t) {});
            return;
          }
          const std::string asked(c->request[http::field::sec_websocket_protocol]);
          c->ws.set_option(ws::stream_base::decorator(
              [asked, agree = b_.agree_subprotocol](ws::response_type& res) {
                if (agree && !asked.empty()) {
                  res.set(http::field::sec_websocket_protocol, asked);
                }
              }));
          c->ws.async_accept(c->request, [this, c](const boost::system::error_code& ec) {
            if (ec) {
              return;
            }
            if (!b_.greeting.empty()) {
              c->out = b_.greeting;
              c->ws.async_write(asio::buffer(c->out),
                                [this, c](const boost::system::error_code& ec, size_t) {
                                  if (!ec) {
                                    readMessage(c);
                                  }
                                });
              return;
            }
            readMessage(c);
          });
        });
  }

  void readMessage(const std::shared_ptr<Conn>& c) {
    c->buffer.clear();
    c->ws.async_read(c->buffer, [this, c](const boost::system::error_code& ec, size_t) {
      if (ec == ws::error::closed) {
        ++closes_;
        return;
      }
      if (ec) {
        return;
      }
      messages_.push_back(beast::buffers_to_string(c->buffer.data()));
      if (b_.reply) {
        c->out = *b_.reply;
        c->ws.async_write(asio::buffer(c->out),
                          [this, c](const boost::system::error_code& ec, size_t) {
                            if (!ec) {
                              readMessage(c);
                            }
                          });
        return;
      }
      readMessage(c);
    });
  }

  asio::io_context& io_;
  ssl::context ctx_;
  tcp::acceptor acceptor_;
  Behaviour b_;
  std::vector<std::shared_ptr<Conn>> conns_;
  std::vector<http::request<http::string_body>> requests_;
  std::vector<std::string> messages_;
  int closes_ = 0;
};

class WebsocketCheckTest : public checks::testing::CheckTestWithCerts {
 protected:
  CheckResult run(const config::MonitorSpec& spec) { return runner_.run(*factory_, spec); }

  std::unique_ptr<CheckFactory> factory_ = websocket::makeWebsocketCheckFactory(
      websocket::WebsocketOptions{.ca_file = certs_->ca, .user_agent = "9volt-test"});
};

TEST_F(WebsocketCheckTest, AHandshakeIsOkAndCarriesTheHeaders) {
  WsServer<false> server(io_, {});
  auto r = run(wsSpec(server.port(), {{"url", "/feed?x=1"}, {"headers", {{"X-Token", "abc"}}}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(r.message,
            fmt::format("WebSocket handshake with ws://127.0.0.1:{}/feed?x=1 done", server.port()));
  ASSERT_EQ(server.requests().size(), 1u);
  const auto& req = server.requests()[0];
  EXPECT_EQ(req.target(), "/feed?x=1");
  EXPECT_EQ(req["X-Token"], "abc");
  EXPECT_EQ(req[http::field::user_agent], "9volt-test");
  EXPECT_EQ(req[http::field::host], fmt::format("127.0.0.1:{}", server.port()));
  // The run closed politely.
  EXPECT_TRUE(runUntil([&] { return server.closes() == 1; }));
}

TEST_F(WebsocketCheckTest, SendAndExpect) {
  WsServer<false> server(io_, {.reply = std::string("pong 42")});
  auto r = run(wsSpec(server.port(), {{"send", "ping"}, {"expect", "pong"}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(r.message,
            fmt::format("7-byte message from ws://127.0.0.1:{}/ contains \"pong\"", server.port()));
  EXPECT_THAT(server.messages(), ElementsAre("ping"));
  EXPECT_EQ(r.values.at("bytes"), 7);

  auto wrong = run(wsSpec(server.port(), {{"send", "ping"}, {"expect", "PONG"}}));
  EXPECT_EQ(wrong.status, Status::kCritical);
  EXPECT_EQ(wrong.failure, Failure::kExpect);
  EXPECT_EQ(wrong.message, R"(expected "PONG" not found in the message "pong 42")");
}

TEST_F(WebsocketCheckTest, AGreetingIsMatchedWithoutSending) {
  WsServer<false> server(io_, {.greeting = "welcome v2"});
  auto r = run(wsSpec(server.port(), {{"expect", "v2"}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_TRUE(server.messages().empty());
}

TEST_F(WebsocketCheckTest, SubprotocolMustBeAgreed) {
  WsServer<false> agrees(io_, {});
  auto ok = run(wsSpec(agrees.port(), {{"subprotocol", "graphql-ws"}}));
  EXPECT_EQ(ok.status, Status::kOk) << ok.message;
  EXPECT_EQ(agrees.requests().at(0)[http::field::sec_websocket_protocol], "graphql-ws");

  WsServer<false> ignores(io_, {.agree_subprotocol = false});
  auto r = run(wsSpec(ignores.port(), {{"subprotocol", "graphql-ws"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.failure, Failure::kProtocol);
  EXPECT_EQ(r.message, fmt::format("ws://127.0.0.1:{}/ did not agree to subprotocol 'graphql-ws'",
                                   ignores.port()));
}

TEST_F(WebsocketCheckTest, ADeclinedUpgradeNamesTheStatus) {
  WsServer<false> server(io_, {.http_status = 404});
  auto r = run(wsSpec(server.port()));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.failure, Failure::kProtocol);
  EXPECT_EQ(r.message, fmt::format("ws://127.0.0.1:{}/ declined the WebSocket handshake: HTTP "
                                   "404 Not Found",
                                   server.port()));
}

TEST_F(WebsocketCheckTest, ASilentServerTimesOutNamingTheWait) {
  WsServer<false> server(io_, {.reply = std::nullopt});
  auto r = run(wsSpec(server.port(), {{"send", "ping"}, {"expect", "pong"}, {"timeout", "300ms"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.failure, Failure::kTimeout);
  EXPECT_EQ(r.message, fmt::format("timed out after 300ms waiting for a message from "
                                   "ws://127.0.0.1:{}/",
                                   server.port()));
}

TEST_F(WebsocketCheckTest, AMessageOverMaxMessageIsAProblem) {
  WsServer<false> server(io_, {.reply = std::string(5000, 'x')});
  auto r = run(wsSpec(server.port(), {{"send", "ping"}, {"expect", "x"}, {"max-message", 1000}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.failure, Failure::kProtocol);
  EXPECT_THAT(r.message, HasSubstr("sent a message longer than max-message (1000 bytes)"));
}

TEST_F(WebsocketCheckTest, AClosedPortIsRefused) {
  uint16_t port = 0;
  {
    tcp::acceptor probe(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }
  auto r = run(wsSpec(port));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.failure, Failure::kConnect);
  EXPECT_EQ(r.message, fmt::format("cannot connect to 127.0.0.1:{}: connection refused", port));
}

TEST_F(WebsocketCheckTest, WssWithATrustedCertificateAndAnUntrustedOne) {
  WsServer<true> server(io_, {.reply = std::string("pong")}, &certs_->valid);
  auto r = run(wsSpec(server.port(), {{"ssl", true}, {"send", "ping"}, {"expect", "pong"}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_THAT(r.message, HasSubstr("wss://127.0.0.1:"));

  WsServer<true> self_signed(io_, {}, &certs_->self_signed);
  auto bad = run(wsSpec(self_signed.port(), {{"ssl", true}}));
  EXPECT_EQ(bad.status, Status::kCritical);
  EXPECT_EQ(bad.failure, Failure::kTls);
  EXPECT_THAT(bad.message, StartsWith(fmt::format("TLS handshake with 127.0.0.1:{} failed: ",
                                                  self_signed.port())));
  EXPECT_THAT(bad.message, HasSubstr("self-signed certificate"));
  auto unverified = run(wsSpec(self_signed.port(), {{"ssl", true}, {"tls-verify", false}}));
  EXPECT_EQ(unverified.status, Status::kOk) << unverified.message;
}

TEST(WebsocketConfig, Rules) {
  EXPECT_THAT(problemsOf({{"url", "ws://h/x"}}),
              ElementsAre(HasSubstr("monitor 't': url: must be a path starting with '/'")));
  EXPECT_THAT(problemsOf({{"subprotocol", "a b"}}), ElementsAre(HasSubstr("subprotocol")));
  EXPECT_THAT(problemsOf({{"headers", {{"X", "a\r\nB: c"}}}}),
              ElementsAre("monitor 't': headers.X: must not contain line breaks"));
  config::Problems problems;
  auto spec = config::parseMonitor(
      "w", {{"type", "websocket"}, {"host", "::1"}, {"ssl", true}, {"interval", "1m"}}, problems);
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->type->target(*spec), "wss://[::1]:443/");
}

}  // namespace
}  // namespace ninevolt::checks
