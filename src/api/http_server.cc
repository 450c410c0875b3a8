#include "api/http_server.h"

#include <array>
#include <charconv>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace ninevolt::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;

namespace {

constexpr auto kReadTimeout = std::chrono::seconds(30);
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
// A closing connection reads and drops what the client still sends for at most this long.
constexpr auto kLingerTimeout = std::chrono::seconds(2);

Request toRequest(const http::request<http::string_body>& req) {
  Request r;
  r.method = std::string(req.method_string());
  parseTarget(std::string_view(req.target().data(), req.target().size()), r);
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (auto& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    r.headers[name] = std::string(field.value());
  }
  r.body = req.body();
  return r;
}

// What every session shares: the router and the pool for blocking handlers.
struct Shared {
  Router router;
  std::shared_ptr<asio::thread_pool> pool;
  size_t max_body_bytes = 0;
};

beast::tcp_stream& lowest(beast::tcp_stream& s) {
  return s;
}
beast::tcp_stream& lowest(beast::ssl_stream<beast::tcp_stream>& s) {
  return s.next_layer();
}

// Handler exceptions never reach the loop: caught, logged, answered 500.
Response runHandler(const Handler& handler, const Request& request) {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    spdlog::error("api: {} {}: handler failed: {}", request.method, request.path, e.what());
  } catch (...) {
    spdlog::error("api: {} {}: handler failed", request.method, request.path);
  }
  return Response::error(500, "internal error");
}

// One connection: read a request, answer it, repeat while keep-alive. Stream is a
// beast::tcp_stream or an ssl_stream over one.
template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <typename... Args>
  Session(std::shared_ptr<const Shared> shared, Args&&... args)
      : stream_(std::forward<Args>(args)...), shared_(std::move(shared)) {}

  void run() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read();
    } else {
      lowest(stream_).expires_after(kHandshakeTimeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) {
                                  spdlog::debug("api: TLS handshake failed: {}", ec.message());
                                  return;
                                }
                                self->read();
                              });
    }
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(shared_->max_body_bytes);
    lowest(stream_).expires_after(kReadTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->onRead(ec); });
  }

  void onRead(beast::error_code ec) {
    if (ec) {
      if (ec == http::error::body_limit) {
        respond(Response::error(413, fmt::format("request body over the limit of {} bytes",
                                                 shared_->max_body_bytes)),
                false);
      }
      return;  // closed, timed out or malformed: drop the connection
    }
    auto req = parser_->release();
    bool keep_alive = req.keep_alive();
    Request request = toRequest(req);
    auto resolved = shared_->router.resolve(request);
    if (resolved.answer) {
      respond(*resolved.answer, keep_alive);
      return;
    }
    if (!resolved.blocking) {
      respond(runHandler(*resolved.handler, request), keep_alive);
      return;
    }
    // Off the loop; the answer is written back on the connection's own executor.
    lowest(stream_).expires_never();
    asio::post(*shared_->pool, [self = this->shared_from_this(), handler = resolved.handler,
                                request = std::move(request), keep_alive]() mutable {
      Response res = runHandler(*handler, request);
      auto executor = lowest(self->stream_).get_executor();
      asio::post(executor, [self = std::move(self), res = std::move(res), keep_alive] {
        self->respond(res, keep_alive);
      });
    });
  }

  void respond(const Response& r, bool keep_alive) {
    auto msg = std::make_shared<http::response<http::string_body>>();
    msg->result(static_cast<http::status>(r.status));
    msg->version(11);
    msg->set(http::field::server, "9volt");
    msg->set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) {
      msg->set(name, value);
    }
    msg->keep_alive(keep_alive);
    msg->body() = r.body;
    msg->prepare_payload();
    lowest(stream_).expires_after(kReadTimeout);
    http::async_write(
        stream_, *msg,
        [self = this->shared_from_this(), msg, keep_alive](beast::error_code ec, size_t) {
          if (!ec && keep_alive) {
            self->read();
          } else {
            self->close();
          }
        });
  }

  void close() {
    beast::error_code ignored;
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
      // Lingering close: read and drop what the client still sends (the rest of a body
      // refused with 413) until it closes. Closing with unread data would reset the
      // connection, and the client could lose our answer before reading it.
      lowest(stream_).expires_after(kLingerTimeout);
      drain(std::make_shared<std::array<char, 16384>>());
    } else {
      // A TLS close_notify first, bounded by the deadline set in respond().
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ignored2;
        lowest(self->stream_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored2);
      });
    }
  }

  void drain(const std::shared_ptr<std::array<char, 16384>>& scratch) {
    stream_.async_read_some(asio::buffer(*scratch), [self = this->shared_from_this(), scratch](
                                                        beast::error_code ec, size_t) {
      if (!ec) {
        self->drain(scratch);  // until EOF, an error or the linger deadline
      }
    });
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<const Shared> shared_;
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io, std::shared_ptr<const Shared> s)
      : acceptor(io), shared(std::move(s)) {}

  void accept() {
    acceptor.async_accept(
        [self = shared_from_this()](beast::error_code ec, asio::ip::tcp::socket socket) {
          if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) {
            return;
          }
          if (!ec) {
            if (self->tls) {
              std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
                  self->shared, std::move(socket), *self->tls)
                  ->run();
            } else {
              std::make_shared<Session<beast::tcp_stream>>(self->shared, std::move(socket))->run();
            }
          }
          self->accept();
        });
  }

  asio::ip::tcp::acceptor acceptor;
  std::shared_ptr<const Shared> shared;
  std::optional<ssl::context> tls;
  uint16_t port = 0;
};

Result<std::pair<std::string, uint16_t>> splitHostPort(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return fail(Errc::kInvalidArgument,
                fmt::format("listen address '{}' has no port (want host:port)", listen));
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) {
    host = "0.0.0.0";
  }
  std::string port_text = listen.substr(colon + 1);
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || p != port_text.data() + port_text.size() || port > 65535) {
    return fail(
        Errc::kInvalidArgument,
        fmt::format("listen address '{}': port '{}' is not a number 0..65535", listen, port_text));
  }
  return std::make_pair(host, static_cast<uint16_t>(port));
}

namespace {

Result<void> loadTls(ssl::context& ctx, const HttpServer::Options& options) {
  beast::error_code ec;
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                      | ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                  ec);
  ctx.use_certificate_chain_file(options.tls_cert, ec);
  if (ec) {
    return fail(Errc::kInvalidArgument,
                fmt::format("--tls-cert {}: {}", options.tls_cert, ec.message()));
  }
  ctx.use_private_key_file(options.tls_key, ssl::context::pem, ec);
  if (ec) {
    return fail(Errc::kInvalidArgument,
                fmt::format("--tls-key {}: {}", options.tls_key, ec.message()));
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(asio::io_context& io, Options options,
                                                      Router router) {
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return fail(Errc::kInvalidArgument, "--tls-cert and --tls-key go together: give both");
  }
  auto hp = splitHostPort(options.listen);
  if (!hp) {
    return tl::unexpected(hp.error());
  }
  beast::error_code ec;
  auto addr = asio::ip::make_address(hp->first, ec);
  if (ec) {
    return fail(
        Errc::kInvalidArgument,
        fmt::format("listen address '{}': '{}' is not an IP address", options.listen, hp->first));
  }
  auto shared = std::make_shared<Shared>();
  shared->router = std::move(router);
  shared->pool = std::make_shared<asio::thread_pool>(std::max<size_t>(1, options.worker_threads));
  shared->max_body_bytes = options.max_body_bytes;
  auto impl = std::make_shared<Impl>(io, std::move(shared));
  if (!options.tls_cert.empty()) {
    impl->tls.emplace(ssl::context::tls_server);
    if (auto loaded = loadTls(*impl->tls, options); !loaded) {
      return tl::unexpected(loaded.error());
    }
  }
  asio::ip::tcp::endpoint ep(addr, hp->second);
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) {
    impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    impl->acceptor.bind(ep, ec);
  }
  if (!ec) {
    impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return fail(Errc::kUnavailable,
                fmt::format("cannot listen on {}: {}", options.listen, ec.message()));
  }
  impl->port = impl->acceptor.local_endpoint().port();
  impl->accept();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::~HttpServer() {
  stop();
  // Blocking handlers still running finish here (each etcd call has its deadline).
  impl_->shared->pool->join();
}

uint16_t HttpServer::port() const {
  return impl_->port;
}

bool HttpServer::tls() const {
  return impl_->tls.has_value();
}

void HttpServer::stop() {
  // Close on the acceptor's own thread: the pending accept sees operation_aborted.
  asio::post(impl_->acceptor.get_executor(), [impl = impl_] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
}

}  // namespace ninevolt::api
