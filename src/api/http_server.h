#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/io_context.hpp>

#include "api/limits.h"
#include "api/request.h"
#include "api/router.h"
#include "common/result.h"

namespace ninevolt::api {

// HTTP/1.1 server (Boost.Beast) on the caller's io_context, plain or TLS. Connections are
// read and written on the thread that runs that context; handlers of routes marked
// `blocking` (those that call etcd) run on a small worker pool of the server's own, so a
// slow etcd never stalls the loop (membership, /status/check). Every connection has a read
// deadline (a slow or idle client cannot hold it open) and caps on header, URL and body
// (431, 414, 413 beyond them; limits.h); a request it cannot parse gets 400.
// A route may answer with a stream instead (Response::stream, e.g. Server-Sent Events): the
// connection then belongs to that stream, without read deadline, until either side ends it
// or the server stops.
class HttpServer {
 public:
  struct Options {
    std::string listen = "0.0.0.0:8080";  // host:port; port 0 = pick a free one
    // Both set: HTTPS only (PEM files; the cert file may hold the chain).
    std::string tls_cert;
    std::string tls_key;
    size_t worker_threads = 2;  // for blocking handlers
    // Over a limit: 431, 414 or 413 with a JSON error, then the connection closes (limits.h).
    size_t max_header_bytes = limits::kMaxHeaderBytes;
    size_t max_target_bytes = limits::kMaxTargetBytes;
    size_t max_body_bytes = limits::kMaxBodyBytes;
  };

  static Result<std::unique_ptr<HttpServer>> start(boost::asio::io_context& io, Options options,
                                                   Router router);
  ~HttpServer();  // stops, and waits for running blocking handlers
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;  // the bound port (useful with port 0)
  bool tls() const;
  // Stops accepting; open connections finish their request; open streams end (their final
  // chunk, then close). on_stopped, if given, runs on the loop once every stream has closed
  // or after a 1 s grace period, whichever is first (e.g. to stop the loop after it).
  // Any thread.
  void stop(std::function<void()> on_stopped = {});

 private:
  struct Impl;
  explicit HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

// Parses one HTTP/1.x request the way a connection reads it (the same parser and limits)
// into what handlers see: for tests and fuzzing of the request path without a socket.
// Bytes after the first request are ignored; an incomplete request, a body over
// max_body_bytes and anything the parser refuses are errors with the parser's message.
Result<Request> parseRequest(std::string_view bytes, size_t max_body_bytes);

// Splits "host:port" ("[::1]:8080" too). Errors name the bad part.
Result<std::pair<std::string, uint16_t>> splitHostPort(const std::string& listen);

}  // namespace ninevolt::api
