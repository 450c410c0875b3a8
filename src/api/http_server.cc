#include "api/http_server.h"

#include <array>
#include <charconv>
#include <deque>
#include <functional>
#include <map>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/stream_sink.h"
#include "common/printable.h"
#include "common/thread_name.h"

namespace ninevolt::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;

namespace {

using limits::kHandshakeTimeout;
using limits::kReadTimeout;
// A closing connection reads and drops what the client still sends for at most this long.
constexpr auto kLingerTimeout = std::chrono::seconds(2);
// A streaming response's write that makes no progress this long ends the stream (a client
// that stopped reading); the owner's own buffer cap usually ends it first.
constexpr auto kStreamWriteTimeout = std::chrono::seconds(30);
// stop(on_stopped): how long open streams get to send their final chunk.
constexpr auto kStopGrace = std::chrono::seconds(1);

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

// The limits of a request read from a connection (and of parseRequest, which must see what
// a connection sees).
void limitParser(http::request_parser<http::string_body>& parser, size_t max_body_bytes) {
  parser.body_limit(max_body_bytes);
  parser.header_limit(static_cast<std::uint32_t>(limits::kMaxHeaderBytes));  // the default
}

// The open streaming responses, so that stop() can end them. Loop thread only.
struct StreamRegistry {
  std::map<uint64_t, std::function<void()>> enders;  // id -> end that stream
  uint64_t next_id = 0;
  bool stopping = false;           // stop() was called: new streams end at once
  std::function<void()> on_empty;  // stop(on_stopped) waiting for the last stream

  uint64_t add(std::function<void()> ender) {
    enders.emplace(++next_id, std::move(ender));
    return next_id;
  }
  void remove(uint64_t id) {
    enders.erase(id);
    if (enders.empty() && on_empty) {
      std::exchange(on_empty, nullptr)();
    }
  }
};

// A header value as sent: control characters (CR and LF above all: they would end the header
// and start another) percent-encoded. A value may carry a name from etcd (X-Next-After).
std::string headerValue(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7F) {
      out += fmt::format("%{:02X}", u);
    } else {
      out += c;
    }
  }
  return out;
}

// What every session shares: the router, the pool for blocking handlers, the open streams.
struct Shared {
  Router router;
  std::shared_ptr<asio::thread_pool> pool;
  size_t max_header_bytes = 0;
  size_t max_target_bytes = 0;
  size_t max_body_bytes = 0;
  std::shared_ptr<StreamRegistry> streams = std::make_shared<StreamRegistry>();
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
    spdlog::error("api: {} {}: handler failed: {}", request.method, common::printable(request.path),
                  e.what());
  } catch (...) {
    spdlog::error("api: {} {}: handler failed", request.method, common::printable(request.path));
  }
  return Response::error(500, "internal error");
}

// One connection: read a request, answer it, repeat while keep-alive. Stream is a
// beast::tcp_stream or an ssl_stream over one. A streaming response (Response::stream)
// turns the connection into that stream until it ends; the session is then its StreamSink.
template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>>, public StreamSink {
 public:
  template <typename... Args>
  explicit Session(std::shared_ptr<const Shared> shared, Args&&... args)
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
    limitParser(*parser_, shared_->max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(shared_->max_header_bytes));
    lowest(stream_).expires_after(kReadTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->onRead(ec); });
  }

  void onRead(beast::error_code ec) {
    if (ec) {
      // A request the server refuses before any handler sees it: answered, then closed (a
      // lingering close, so the client reads the answer). Closed or timed out: dropped.
      if (auto refused = refusal(ec)) {
        respond(std::move(*refused), false);
      }
      return;
    }
    if (parser_->get().target().size() > shared_->max_target_bytes) {
      respond(targetTooLong(parser_->get().target().size()), false);
      return;
    }
    auto req = parser_->release();
    bool keep_alive = req.keep_alive();
    http11_ = req.version() >= 11;
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
      asio::post(executor, [self = std::move(self), res = std::move(res), keep_alive]() mutable {
        self->respond(std::move(res), keep_alive);
      });
    });
  }

  Response targetTooLong(size_t size) const {
    return Response::error(414, fmt::format("request target (URL) over the limit of {} bytes{}",
                                            shared_->max_target_bytes,
                                            size > 0 ? fmt::format(" ({} bytes)", size) : ""));
  }

  // The answer to a request that could not be read, or nullopt to just drop the connection
  // (the client closed it, or went quiet until the read deadline).
  std::optional<Response> refusal(beast::error_code ec) const {
    if (ec == http::error::body_limit) {
      return Response::error(
          413, fmt::format("request body over the limit of {} bytes", shared_->max_body_bytes));
    }
    if (ec == http::error::buffer_overflow) {
      return Response::error(413, fmt::format("a chunk line or trailer of the request body over "
                                              "the limit of {} bytes",
                                              limits::kMaxBufferedBytes));
    }
    if (ec == http::error::header_limit) {
      // The limit counts the request line too: when that line never ended within it (the
      // parser has no target yet), or holds a target over its own limit, the URL is what is
      // too long.
      const auto target = parser_->get().target();
      if (target.empty() || target.size() > shared_->max_target_bytes) {
        return targetTooLong(target.size());
      }
      return Response::error(431, fmt::format("request header over the limit of {} bytes "
                                              "(request line and header fields together)",
                                              shared_->max_header_bytes));
    }
    if (ec.category() == beast::error_code(http::error::end_of_stream).category()
        && ec != http::error::end_of_stream && ec != http::error::partial_message
        && ec != http::error::need_more && ec != http::error::need_buffer) {
      // Malformed: bad method, target, version, field, chunk, Content-Length, ...
      return Response::error(400, fmt::format("malformed HTTP request: {}", ec.message()));
    }
    return std::nullopt;
  }

  // --- StreamSink (loop thread) ---
 public:
  bool write(std::string data) override {
    if (!open()) {
      return false;
    }
    buffered_ += data.size();
    queue_.push_back(std::move(data));
    pump();
    return true;
  }
  size_t buffered() const override { return buffered_; }
  void end() override {
    if (!open()) {
      return;
    }
    ending_ = true;
    pump();
  }
  bool open() const override { return streaming_ && !ending_ && !closed_; }
  void onClosed(std::function<void()> callback) override {
    if (closed_) {
      asio::post(lowest(stream_).get_executor(), std::move(callback));
      return;
    }
    on_closed_ = std::move(callback);
  }

 private:
  // Takes the answer by value: its body (/metrics at 100k checks: ~38 MB) is moved into the
  // message, not copied.
  void respond(Response r, bool keep_alive) {
    if (r.stream) {
      startStream(r);
      return;
    }
    auto msg = std::make_shared<http::response<http::string_body>>();
    msg->result(static_cast<http::status>(r.status));
    msg->version(11);
    msg->set(http::field::server, "9volt");
    msg->set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) {
      msg->set(name, headerValue(value));
    }
    msg->keep_alive(keep_alive);
    msg->body() = std::move(r.body);
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

  // Sends the head (chunked, no Content-Length), registers the stream with the server and
  // hands it to the route. From here on the connection has no read deadline; a read stays
  // pending only to notice the client closing (anything it sends is ignored).
  void startStream(const Response& r) {
    auto head = std::make_shared<http::response<http::empty_body>>();
    head->result(static_cast<http::status>(r.status));
    head->version(11);
    head->set(http::field::server, "9volt");
    head->set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) {
      head->set(name, headerValue(value));
    }
    head->keep_alive(false);
    // HTTP/1.0 (e.g. nginx's default proxy_http_version) has no chunked encoding: the body
    // then ends with the connection.
    head->chunked(http11_);
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*head);
    streaming_ = true;
    lowest(stream_).expires_never();
    write_timer_.emplace(lowest(stream_).get_executor());
    writing_ = true;
    armWriteDeadline();
    http::async_write_header(stream_, *serializer,
                             [self = this->shared_from_this(), head, serializer](
                                 beast::error_code ec, size_t) { self->onStreamWritten(ec, 0); });
    std::weak_ptr<Session> weak = this->shared_from_this();
    stream_id_ = shared_->streams->add([weak] {
      if (auto self = weak.lock()) {
        self->end();
      }
    });
    watchPeer();
    try {
      r.stream(std::static_pointer_cast<StreamSink>(this->shared_from_this()));
    } catch (const std::exception& e) {
      spdlog::error("api: stream handler failed: {}", e.what());
      end();
    } catch (...) {
      spdlog::error("api: stream handler failed");
      end();
    }
    if (shared_->streams->stopping) {
      end();
    }
  }

  void watchPeer() {
    stream_.async_read_some(asio::buffer(peer_bytes_),
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) {
                                self->closeStream();  // the client went away
                              } else if (!self->closed_) {
                                self->watchPeer();
                              }
                            });
  }

  void armWriteDeadline() {
    write_timer_->expires_after(kStreamWriteTimeout);
    std::weak_ptr<Session> weak = this->shared_from_this();
    write_timer_->async_wait([weak](beast::error_code ec) {
      auto self = weak.lock();
      if (!ec && self) {
        spdlog::debug("api: stream write made no progress for {}s; closing",
                      kStreamWriteTimeout.count());
        self->closeStream();
      }
    });
  }

  // Writes what is queued as one chunk; after end(), the final chunk, then closes.
  void pump() {
    if (writing_ || closed_) {
      return;
    }
    if (!queue_.empty()) {
      auto data = std::make_shared<std::string>();
      for (auto& q : queue_) {
        *data += q;
      }
      queue_.clear();
      writing_ = true;
      armWriteDeadline();
      auto done = [self = this->shared_from_this(), data](beast::error_code ec, size_t) {
        self->onStreamWritten(ec, data->size());
      };
      if (http11_) {
        asio::async_write(stream_, http::make_chunk(asio::buffer(*data)), std::move(done));
      } else {
        asio::async_write(stream_, asio::buffer(*data), std::move(done));
      }
      return;
    }
    if (ending_ && !http11_) {
      closeStream();
    } else if (ending_) {
      writing_ = true;
      armWriteDeadline();
      asio::async_write(
          stream_, http::make_chunk_last(),
          [self = this->shared_from_this()](beast::error_code, size_t) { self->closeStream(); });
    }
  }

  void onStreamWritten(beast::error_code ec, size_t bytes) {
    writing_ = false;
    buffered_ -= std::min(buffered_, bytes);
    if (write_timer_) {
      write_timer_->cancel();
    }
    if (ec) {
      closeStream();
      return;
    }
    pump();
  }

  // Closes the connection (once) and tells the stream's owner.
  void closeStream() {
    if (closed_) {
      return;
    }
    closed_ = true;
    queue_.clear();
    buffered_ = 0;
    if (write_timer_) {
      write_timer_->cancel();
    }
    beast::error_code ignored;
    auto& socket = lowest(stream_).socket();
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    // The owner hears first; stop(on_stopped) after that (posts run in order on the loop).
    auto executor = lowest(stream_).get_executor();
    if (on_closed_) {
      asio::post(executor, std::exchange(on_closed_, nullptr));
    }
    asio::post(executor, [streams = shared_->streams, id = stream_id_] { streams->remove(id); });
  }

  Stream stream_;
  beast::flat_buffer buffer_{limits::kMaxBufferedBytes};
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<const Shared> shared_;

  // Streaming state (loop thread only).
  bool streaming_ = false;
  bool ending_ = false;   // end(): the final chunk after the queue
  bool closed_ = false;   // the connection is closed
  bool writing_ = false;  // a write is in flight
  bool http11_ = true;    // the request's version: chunked, else the close ends the body
  std::deque<std::string> queue_;
  size_t buffered_ = 0;
  uint64_t stream_id_ = 0;
  std::function<void()> on_closed_;
  std::optional<asio::steady_timer> write_timer_;
  std::array<char, 256> peer_bytes_{};
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
  {
    common::ScopedThreadName name("9v-http");  // the pool's threads take this name
    shared->pool = std::make_shared<asio::thread_pool>(std::max<size_t>(1, options.worker_threads));
  }
  shared->max_header_bytes = options.max_header_bytes;
  shared->max_target_bytes = options.max_target_bytes;
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

void HttpServer::stop(std::function<void()> on_stopped) {
  // On the acceptor's own thread: the pending accept sees operation_aborted.
  asio::post(impl_->acceptor.get_executor(),
             [impl = impl_, on_stopped = std::move(on_stopped)]() mutable {
               beast::error_code ignored;
               impl->acceptor.close(ignored);
               auto& streams = *impl->shared->streams;
               streams.stopping = true;
               if (on_stopped) {
                 if (streams.enders.empty()) {
                   on_stopped();
                 } else {
                   // Whichever comes first: the last stream closed, or the grace period over.
                   auto once = std::make_shared<std::function<void()>>(std::move(on_stopped));
                   auto timer = std::make_shared<asio::steady_timer>(impl->acceptor.get_executor());
                   auto fire = [once, timer] {
                     timer->cancel();
                     if (*once) {
                       std::exchange(*once, nullptr)();
                     }
                   };
                   streams.on_empty = fire;
                   timer->expires_after(kStopGrace);
                   timer->async_wait([fire](beast::error_code ec) {
                     if (!ec) {
                       fire();
                     }
                   });
                 }
               }
               auto enders = streams.enders;  // a copy: ending one may remove it
               for (auto& [id, end] : enders) {
                 end();
               }
             });
}

Result<Request> parseRequest(std::string_view bytes, size_t max_body_bytes) {
  http::request_parser<http::string_body> parser;
  limitParser(parser, max_body_bytes);
  parser.eager(true);
  beast::error_code ec;
  while (!parser.is_done()) {
    size_t used = parser.put(asio::buffer(bytes.data(), bytes.size()), ec);
    bytes.remove_prefix(used);
    if (ec == http::error::need_more) {
      ec = {};
    }
    if (!ec && used == 0) {
      // The connection ended here (put_eof requires that something came first).
      if (parser.got_some()) {
        parser.put_eof(ec);
      }
      if (!ec && !parser.is_done()) {
        ec = parser.got_some() ? http::error::partial_message : http::error::end_of_stream;
      }
    }
    if (ec) {
      return fail(Errc::kInvalidArgument, ec.message());
    }
  }
  return toRequest(parser.get());
}

}  // namespace ninevolt::api
