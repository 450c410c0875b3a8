#include "checks/websocket/websocket_check.h"

#include <chrono>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "checks/per_run_check.h"
#include "checks/quote.h"
#include "checks/run_support.h"
#include "checks/tcp_connect.h"
#include "checks/tls_client.h"
#include "checks/websocket/websocket_type.h"
#include "common/duration.h"

namespace ninevolt::checks::websocket {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ws = boost::beast::websocket;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using ErrorCode = boost::system::error_code;

// How long a close handshake may take once the verdict is in: a peer that never answers
// the close frame must not turn a good run into a timeout.
constexpr auto kCloseGrace = std::chrono::milliseconds(500);

// What a websocket run reads of its monitor: kept while the check is owned.
struct WsSettings {
  explicit WsSettings(const config::MonitorSpec& spec, std::string agent,
                      std::shared_ptr<ssl::context> context)
      : name(spec.name),
        timeout(spec.timeout),
        user_agent(std::move(agent)),
        ctx(std::move(context)) {
    const auto& w = spec.options<WebsocketSpec>();
    host = w.host;
    url = w.url;
    tls = w.ssl;
    verify = w.tls_verify;
    headers.assign(w.headers.begin(), w.headers.end());
    subprotocol = w.subprotocol;
    send = w.send;
    expect = w.expect;
    max_message = static_cast<size_t>(w.max_message);
    port = static_cast<uint16_t>(w.port);
    const std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    host_header = fmt::format("{}:{}", shown, port);
    label = fmt::format("{}://{}{}", tls ? "wss" : "ws", host_header, url);
  }
  std::string name;
  common::Nanos timeout;
  std::string user_agent;
  std::shared_ptr<ssl::context> ctx;  // wss only
  std::string host;
  std::string url;
  std::string host_header;
  std::string label;  // "ws://127.0.0.1:8080/feed"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string subprotocol;
  std::string send;
  std::string expect;
  size_t max_message = 0;
  uint16_t port = 0;
  bool tls = false;
  bool verify = true;
};

// One run on a ws (Tls = false) or wss (Tls = true) stream. Every pending handler holds the
// run, so one that fires after cancel() finds live memory and does nothing. Loop thread only.
template <bool Tls>
class WsStreamRun : public std::enable_shared_from_this<WsStreamRun<Tls>> {
  using Next = std::conditional_t<Tls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

 public:
  WsStreamRun(std::shared_ptr<const WsSettings> settings, asio::io_context& io, Check::DoneFn done)
      : s_(std::move(settings)),
        done_(std::move(done)),
        deadline_(io),
        close_timer_(io),
        resolver_(io),
        ws_(makeStream(io)) {}

  void start() {
    clock_.start();
    auto self = this->shared_from_this();
    deadline_.expires_after(s_->timeout);
    deadline_.async_wait([self](const ErrorCode& ec) { self->onTimeout(ec); });
    const bool resolving = connectTcp(
        beast::get_lowest_layer(ws_).socket(), resolver_, {s_->host, s_->port, s_->host_header},
        [self] {
          if (self->finished_) {
            return false;
          }
          self->clock_.end("resolve");
          self->stage_ = "connecting to " + self->s_->host_header;
          return true;
        },
        [self](std::optional<CheckResult> failed) { self->onConnected(std::move(failed)); });
    stage_ = resolving ? "resolving \"" + s_->host + "\"" : "connecting to " + s_->host_header;
  }

  void cancel() {
    finished_ = true;
    done_ = nullptr;
    ErrorCode ignored;
    deadline_.cancel();
    close_timer_.cancel();
    resolver_.cancel();
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

 private:
  ws::stream<Next> makeStream(asio::io_context& io) {
    if constexpr (Tls) {
      return ws::stream<Next>(io, *s_->ctx);
    } else {
      return ws::stream<Next>(io);
    }
  }

  void onConnected(std::optional<CheckResult> failed) {
    if (finished_) {
      return;
    }
    clock_.end("connect");
    if (failed) {
      finish(std::move(*failed));
      return;
    }
    if constexpr (Tls) {
      stage_ = "in the TLS handshake with " + s_->host_header;
      SSL* ssl = ws_.next_layer().native_handle();
      prepareTlsConnection(ssl, s_->host, s_->verify);
      if (s_->verify) {
        SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);  // the context verifies nothing itself
      }
      auto self = this->shared_from_this();
      ws_.next_layer().async_handshake(ssl::stream_base::client,
                                       [self](const ErrorCode& ec) { self->onTls(ec); });
    } else {
      upgrade();
    }
  }

  void onTls(const ErrorCode& ec) {
    if (finished_) {
      return;
    }
    clock_.end("tls");
    if (ec) {
      std::string why = ec.message();
      if (long v = SSL_get_verify_result(ws_.next_layer().native_handle()); v != X509_V_OK) {
        why += fmt::format(" ({})", X509_verify_cert_error_string(v));
      }
      finish(CheckResult::critical(
          fmt::format("TLS handshake with {} failed: {}", s_->host_header, why), Failure::kTls));
      return;
    }
    upgrade();
  }

  void upgrade() {
    stage_ = "in the WebSocket handshake with " + s_->label;
    ws_.read_message_max(s_->max_message);
    ws_.set_option(ws::stream_base::decorator([s = s_](ws::request_type& req) {
      req.set(http::field::user_agent, s->user_agent);
      if (!s->subprotocol.empty()) {
        req.set(http::field::sec_websocket_protocol, s->subprotocol);
      }
      for (const auto& [name, value] : s->headers) {
        req.set(name, value);
      }
    }));
    auto self = this->shared_from_this();
    ws_.async_handshake(response_, s_->host_header, s_->url,
                        [self](const ErrorCode& ec) { self->onUpgraded(ec); });
  }

  void onUpgraded(const ErrorCode& ec) {
    if (finished_) {
      return;
    }
    clock_.end("handshake");
    if (ec == ws::error::upgrade_declined) {
      finish(CheckResult::critical(
          fmt::format("{} declined the WebSocket handshake: HTTP {} {}", s_->label,
                      response_.result_int(), std::string(response_.reason())),
          Failure::kProtocol));
      return;
    }
    if (ec) {
      finish(CheckResult::critical(
          fmt::format("WebSocket handshake with {} failed: {}", s_->label, ec.message()),
          Failure::kProtocol));
      return;
    }
    if (!s_->subprotocol.empty()) {
      const auto agreed = response_[http::field::sec_websocket_protocol];
      if (agreed != s_->subprotocol) {
        finish(CheckResult::critical(
            agreed.empty()
                ? fmt::format("{} did not agree to subprotocol '{}'", s_->label, s_->subprotocol)
                : fmt::format("{} chose subprotocol '{}', not '{}'", s_->label, std::string(agreed),
                              s_->subprotocol),
            Failure::kProtocol));
        return;
      }
    }
    if (!s_->send.empty()) {
      stage_ = "sending to " + s_->label;
      ws_.text(true);
      auto self = this->shared_from_this();
      ws_.async_write(asio::buffer(s_->send),
                      [self](const ErrorCode& ec, size_t) { self->onSent(ec); });
      return;
    }
    afterSend();
  }

  void onSent(const ErrorCode& ec) {
    if (finished_) {
      return;
    }
    if (ec) {
      finish(CheckResult::critical(
          fmt::format("cannot send the message to {}: {}", s_->label, ec.message()),
          Failure::kProtocol));
      return;
    }
    afterSend();
  }

  void afterSend() {
    if (s_->expect.empty()) {
      close(CheckResult::ok(fmt::format("WebSocket handshake with {} done{}", s_->label,
                                        s_->send.empty() ? "" : ", message sent")));
      return;
    }
    stage_ = "waiting for a message from " + s_->label;
    auto self = this->shared_from_this();
    ws_.async_read(buffer_, [self](const ErrorCode& ec, size_t n) { self->onMessage(ec, n); });
  }

  void onMessage(const ErrorCode& ec, size_t n) {
    if (finished_) {
      return;
    }
    clock_.end("message");
    if (ec == ws::error::message_too_big) {
      finish(CheckResult::critical(fmt::format("{} sent a message longer than max-message ({} "
                                               "bytes)",
                                               s_->label, s_->max_message),
                                   Failure::kProtocol));
      return;
    }
    if (ec == ws::error::closed) {
      finish(CheckResult::critical(
          fmt::format(
              "{} closed the connection before sending a message (code {}{})", s_->label,
              static_cast<int>(ws_.reason().code),
              ws_.reason().reason.empty()
                  ? std::string()
                  : ": " + std::string(ws_.reason().reason.data(), ws_.reason().reason.size())),
          Failure::kProtocol));
      return;
    }
    if (ec) {
      finish(CheckResult::critical(
          fmt::format("cannot read a message from {}: {}", s_->label, ec.message()),
          Failure::kProtocol));
      return;
    }
    const std::string_view message(static_cast<const char*>(buffer_.data().data()), n);
    CheckResult result =
        message.find(s_->expect) == std::string_view::npos
            ? CheckResult::critical(fmt::format("expected \"{}\" not found in the message {}",
                                                s_->expect, quotePrefix(message)),
                                    Failure::kExpect)
            : CheckResult::ok(
                fmt::format("{}-byte message from {} contains \"{}\"", n, s_->label, s_->expect));
    result.values["bytes"] = static_cast<double>(n);
    close(std::move(result));
  }

  // The verdict is in: a polite close frame, waited for at most kCloseGrace.
  void close(CheckResult result) {
    verdict_ = std::move(result);
    closing_ = true;
    auto self = this->shared_from_this();
    close_timer_.expires_after(kCloseGrace);
    close_timer_.async_wait([self](const ErrorCode& ec) {
      if (ec != asio::error::operation_aborted) {
        self->finish(std::move(self->verdict_));
      }
    });
    ws_.async_close(ws::close_code::normal,
                    [self](const ErrorCode&) { self->finish(std::move(self->verdict_)); });
  }

  void onTimeout(const ErrorCode& ec) {
    if (ec == asio::error::operation_aborted || finished_) {
      return;
    }
    if (closing_) {
      finish(std::move(verdict_));
      return;
    }
    clock_.end("timeout");
    finish(CheckResult::critical(
        fmt::format("timed out after {} {}", common::formatDuration(s_->timeout), stage_),
        Failure::kTimeout));
  }

  void finish(CheckResult result) {
    if (finished_) {
      return;
    }
    result.phases = clock_.finish();
    auto done = std::move(done_);
    cancel();  // sockets and timers go before anyone hears about the result
    report(std::move(done), std::move(result), "websocket", s_->name);
  }

  std::shared_ptr<const WsSettings> s_;
  Check::DoneFn done_;
  asio::steady_timer deadline_;
  asio::steady_timer close_timer_;
  tcp::resolver resolver_;
  ws::stream<Next> ws_;
  ws::response_type response_;
  beast::flat_buffer buffer_;
  CheckResult verdict_;
  std::string stage_;
  bool finished_ = false;
  bool closing_ = false;
  PhaseClock clock_;
};

// One run of either kind, as PerRunCheck wants it.
class WsRun {
 public:
  static constexpr bool kStartsProcess = false;
  using Settings = WsSettings;

  WsRun(std::shared_ptr<const WsSettings> settings, asio::io_context& io, Check::DoneFn done) {
    if (settings->tls) {
      tls_ = std::make_shared<WsStreamRun<true>>(std::move(settings), io, std::move(done));
    } else {
      plain_ = std::make_shared<WsStreamRun<false>>(std::move(settings), io, std::move(done));
    }
  }
  void start() {
    if (tls_) {
      tls_->start();
    } else {
      plain_->start();
    }
  }
  void cancel() {
    if (tls_) {
      tls_->cancel();
    } else {
      plain_->cancel();
    }
  }

 private:
  std::shared_ptr<WsStreamRun<false>> plain_;
  std::shared_ptr<WsStreamRun<true>> tls_;
};

class WsCheckFactory final : public CheckFactory {
 public:
  explicit WsCheckFactory(WebsocketOptions options) : options_(std::move(options)) {}

  std::unique_ptr<Check> create(const config::SharedMonitor& spec,
                                asio::io_context& io) const override {
    const auto& w = spec->options<WebsocketSpec>();
    auto settings =
        std::make_shared<const WsSettings>(*spec, options_.user_agent, w.ssl ? context() : nullptr);
    return std::make_unique<PerRunCheck<WsRun>>(std::move(settings), io);
  }

 private:
  // One client context for every wss check of the factory, made on first use.
  std::shared_ptr<ssl::context> context() const {
    std::lock_guard lock(mutex_);
    if (!ctx_) {
      // Verification is switched on per connection (tls-verify), not in the context.
      ctx_ = makeTlsClientContext({.verify = true,
                                   .verify_peer = false,
                                   .ca_file = options_.ca_file,
                                   .min_version = "",
                                   .log_name = "websocket checks"});
    }
    return ctx_;
  }

  WebsocketOptions options_;
  mutable std::mutex mutex_;
  mutable std::shared_ptr<ssl::context> ctx_;
};

}  // namespace

std::unique_ptr<CheckFactory> makeWebsocketCheckFactory(WebsocketOptions options) {
  return std::make_unique<WsCheckFactory>(std::move(options));
}

std::unique_ptr<CheckFactory> makeFactory(const FactoryContext& context) {
  return makeWebsocketCheckFactory(
      WebsocketOptions{.ca_file = "", .user_agent = context.user_agent});
}

}  // namespace ninevolt::checks::websocket
