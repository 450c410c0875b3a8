#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/request.h"

namespace ninevolt::api {

using Handler = std::function<Response(const Request&)>;

// Who may call a route. kRead/kWrite are checked by the Router's authorizer (auth.h).
enum class Access { kOpen, kRead, kWrite };

// Decides whether a request may go on: nullopt = yes, else the answer (401/403).
using Authorizer = std::function<std::optional<Response>(const Request&, Access)>;

struct RouteOptions {
  // Default: GET/HEAD read, other methods write.
  std::optional<Access> access;
  // The handler may block (etcd calls): the HTTP server runs it on its worker pool, not on
  // the loop. Non-blocking handlers run on the loop and may read loop-only state.
  bool blocking = false;
};

// A small router in the spirit of cpp-httplib: `router.get("/api/v1/monitor/{name}", fn)`.
// A pattern is matched segment by segment; "{x}" matches one non-empty segment, which the
// handler reads as request.params["x"] (percent-decoded after splitting, so "%2F" stays in
// the segment). Exact segments win over parameters when both match.
//
// Answers of its own, each {"status":"error","message":...}:
//   404 no pattern matches the path; 405 the path matches but not the method (with an
//   Allow header); 401/403 from the authorizer; 415 a write (POST/PUT/PATCH) with a body
//   whose Content-Type is not application/json; 400 a query parameter that is not UTF-8
//   (object "query", field = the parameter). (413, 414, 431 are the HTTP server's: limits.h.)
class Router {
 public:
  void add(const std::string& method, const std::string& pattern, Handler handler,
           RouteOptions options = {});
  void get(const std::string& pattern, Handler h, RouteOptions o = {}) {
    add("GET", pattern, std::move(h), o);
  }
  void post(const std::string& pattern, Handler h, RouteOptions o = {}) {
    add("POST", pattern, std::move(h), o);
  }
  void put(const std::string& pattern, Handler h, RouteOptions o = {}) {
    add("PUT", pattern, std::move(h), o);
  }
  void del(const std::string& pattern, Handler h, RouteOptions o = {}) {
    add("DELETE", pattern, std::move(h), o);
  }

  // Checked on every route that is not kOpen. Without one, every route is open.
  void setAuthorizer(Authorizer authorizer) { authorizer_ = std::move(authorizer); }

  struct Resolved {
    std::optional<Response> answer;  // set: answer this, the handler does not run
    const Handler* handler = nullptr;
    bool blocking = false;
  };
  // Matches the request (filling request.params) and runs the checks above.
  Resolved resolve(Request& request) const;
  // resolve() + the handler, inline (tests, and the server for non-blocking routes).
  Response dispatch(Request request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{name}" marks a parameter
    Handler handler;
    Access access = Access::kRead;
    bool blocking = false;
  };
  static std::vector<std::string> split(std::string_view path);
  // Parameters matched, or nullopt; `exact` counts literal segments (to prefer them).
  static std::optional<std::map<std::string, std::string>> match(
      const Route& route, const std::vector<std::string>& segments, size_t& exact);

  std::vector<Route> routes_;
  Authorizer authorizer_;
};

// True for "application/json" and "application/json; charset=utf-8" (any case).
bool isJsonContentType(std::string_view value);

}  // namespace ninevolt::api
