#include "api/http_server.h"

#include <charconv>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace ninevolt::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto kReadTimeout = std::chrono::seconds(30);
constexpr size_t kMaxBodyBytes = size_t{8} * 1024 * 1024;

std::string percentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (ec == std::errc() && p == s.data() + i + 3) {
        out += static_cast<char>(v);
        i += 2;
        continue;
      }
    }
    out += s[i] == '+' ? ' ' : s[i];
  }
  return out;
}

Request toRequest(const http::request<http::string_body>& req) {
  Request r;
  r.method = std::string(req.method_string());
  std::string_view target(req.target().data(), req.target().size());
  auto q = target.find('?');
  r.path = percentDecode(target.substr(0, q));
  if (q != std::string_view::npos) {
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
      auto amp = rest.find('&');
      std::string_view pair = rest.substr(0, amp);
      auto eq = pair.find('=');
      std::string key = percentDecode(pair.substr(0, eq));
      std::string value = eq == std::string_view::npos ? "" : percentDecode(pair.substr(eq + 1));
      r.query[key] = value;
      rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    }
  }
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

// One connection: read a request, answer it, repeat while keep-alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(asio::ip::tcp::socket socket, std::shared_ptr<const Router> router)
      : stream_(std::move(socket)), router_(std::move(router)) {}

  void run() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(kMaxBodyBytes);
    stream_.expires_after(kReadTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->onRead(ec); });
  }

  void onRead(beast::error_code ec) {
    if (ec) {
      if (ec == http::error::body_limit) {
        respond(Response::error(413, "request body too large"), false);
      }
      return;  // closed, timed out or malformed: drop the connection
    }
    auto req = parser_->release();
    Response res;
    try {
      res = router_->dispatch(toRequest(req));
    } catch (const std::exception& e) {
      // Never let a handler's exception escape into the loop.
      spdlog::error("api: {} {}: handler failed: {}", std::string(req.method_string()),
                    std::string(req.target()), e.what());
      res = Response::error(500, "internal error");
    }
    respond(res, req.keep_alive());
  }

  void respond(const Response& r, bool keep_alive) {
    auto msg = std::make_shared<http::response<http::string_body>>();
    msg->result(static_cast<http::status>(r.status));
    msg->version(11);
    msg->set(http::field::server, "9volt");
    msg->set(http::field::content_type, r.content_type);
    msg->keep_alive(keep_alive);
    msg->body() = r.body;
    msg->prepare_payload();
    http::async_write(
        stream_, *msg, [self = shared_from_this(), msg, keep_alive](beast::error_code ec, size_t) {
          if (!ec && keep_alive) {
            self->read();
          } else {
            beast::error_code ignored;
            self->stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
          }
        });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<const Router> router_;
};

}  // namespace

Response Response::json(int status, const std::string& body) {
  return Response{status, "application/json", body};
}

Response Response::error(int status, const std::string& message) {
  return json(status, nlohmann::json{{"status", "error"}, {"message", message}}.dump());
}

Response Response::text(int status, const std::string& body) {
  return Response{status, "text/plain; charset=utf-8", body};
}

void Router::add(const std::string& method, const std::string& path, Handler handler) {
  routes_[path][method] = std::move(handler);
}

Response Router::dispatch(const Request& request) const {
  auto it = routes_.find(request.path);
  if (it == routes_.end()) {
    return Response::error(404, fmt::format("no route for {}", request.path));
  }
  auto m = it->second.find(request.method);
  if (m == it->second.end()) {
    return Response::error(
        405, fmt::format("method {} not allowed on {}", request.method, request.path));
  }
  return m->second(request);
}

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io, Router r)
      : acceptor(io), router(std::make_shared<const Router>(std::move(r))) {}

  void accept() {
    acceptor.async_accept(
        [self = shared_from_this()](beast::error_code ec, asio::ip::tcp::socket socket) {
          if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) {
            return;
          }
          if (!ec) {
            std::make_shared<Session>(std::move(socket), self->router)->run();
          }
          self->accept();
        });
  }

  asio::ip::tcp::acceptor acceptor;
  std::shared_ptr<const Router> router;
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

Result<std::unique_ptr<HttpServer>> HttpServer::start(asio::io_context& io, Options options,
                                                      Router router) {
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
  auto impl = std::make_shared<Impl>(io, std::move(router));
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
}

uint16_t HttpServer::port() const {
  return impl_->port;
}

void HttpServer::stop() {
  // Close on the acceptor's own thread: the pending accept sees operation_aborted.
  asio::post(impl_->acceptor.get_executor(), [impl = impl_] {
    beast::error_code ec;
    impl->acceptor.close(ec);
  });
}

}  // namespace ninevolt::api
