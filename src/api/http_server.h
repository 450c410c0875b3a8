#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "common/result.h"

namespace ninevolt::api {

struct Request {
  std::string method;  // "GET"
  std::string path;    // "/status/check" (no query)
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;

  static Response json(int status, const std::string& body);
  static Response text(int status, const std::string& body);
  // The original's error body: {"status":"error","message":"..."}
  static Response error(int status, const std::string& message);
};

using Handler = std::function<Response(const Request&)>;

// A small router: exact method + path matches (the REST API issue adds patterns).
class Router {
 public:
  void get(const std::string& path, Handler handler) { add("GET", path, std::move(handler)); }
  void add(const std::string& method, const std::string& path, Handler handler);
  Response dispatch(const Request& request) const;

 private:
  std::map<std::string, std::map<std::string, Handler>> routes_;  // path -> method -> handler
};

// HTTP/1.1 server (Boost.Beast) on the caller's io_context: handlers run on the thread that
// runs that context, one request at a time per connection. Every connection has a read
// deadline (a slow or idle client cannot hold it open) and a cap on request size.
class HttpServer {
 public:
  struct Options {
    std::string listen = "0.0.0.0:8080";  // host:port; port 0 = pick a free one
  };

  static Result<std::unique_ptr<HttpServer>> start(boost::asio::io_context& io, Options options,
                                                   Router router);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;  // the bound port (useful with port 0)
  void stop();            // stops accepting; open connections finish their request

 private:
  struct Impl;
  explicit HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

// Splits "host:port" ("[::1]:8080" too). Errors name the bad part.
Result<std::pair<std::string, uint16_t>> splitHostPort(const std::string& listen);

}  // namespace ninevolt::api
