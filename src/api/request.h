#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/problems.h"

namespace ninevolt::api {

class StreamSink;

// One HTTP request as handlers see it. Handlers may run on the HTTP loop or on the API
// worker pool (see Router::RouteOptions::blocking); a Request is never shared between them.
struct Request {
  std::string method;                        // "GET"
  std::string path;                          // "/api/v1/monitor/web" (percent-decoded, no query)
  std::string raw_path;                      // as sent (still encoded): the router splits this one
  std::map<std::string, std::string> query;  // percent-decoded; a repeated key keeps the last
  std::map<std::string, std::string> headers;  // names lower-cased
  std::map<std::string, std::string> params;   // path parameters: "{name}" -> "web"
  std::string body;

  // nullptr when absent. name in lower case.
  const std::string* header(const std::string& name) const;
  std::optional<std::string> queryValue(const std::string& key) const;
  std::string param(const std::string& name) const;  // "" when absent
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Allow, ...)
  // Set: a streaming response (e.g. Server-Sent Events). The server sends status, content
  // type and headers with chunked transfer encoding and no Content-Length, ignores body,
  // and calls this on the loop with the open stream (stream_sink.h); the connection then
  // belongs to the stream and has no read deadline. Unset: an ordinary response.
  std::function<void(std::shared_ptr<StreamSink>)> stream;

  static Response json(int status, const std::string& body);
  static Response text(int status, const std::string& body);
  // The original's error body: {"status":"error","message":"..."}
  static Response error(int status, const std::string& message);
  // Several problems: message joins them with "; " (the original's single string), and
  // "problems" lists each one (object, field, message) for programs.
  static Response problems(int status, const config::Problems& problems);
};

// RFC 3986 percent-decoding; plus_is_space for query strings (form encoding). A '%' not
// followed by two hex digits is kept as is.
std::string percentDecode(std::string_view s, bool plus_is_space);

// Splits a request target into the decoded path and query parameters.
void parseTarget(std::string_view target, Request& into);

// "a,b,,c" -> {"a","b","c"} (trimmed, empty entries dropped): list-valued query parameters.
std::vector<std::string> splitList(std::string_view text);

}  // namespace ninevolt::api
