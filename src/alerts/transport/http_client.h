#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ninevolt::alerts::transport {

// Process-wide settings of the HTTP alerter types, given to their factories from main.
struct ClientOptions {
  // Sent as User-Agent; the server sets "9volt/<version> (member <id>)" so a receiver's
  // logs say which member sent an alert.
  std::string user_agent = "9volt";
};

struct HttpRequest {
  std::string method = "POST";  // POST or PUT
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::string user_agent = "9volt";
};

struct HttpResponse {
  long status = 0;
  std::string body;         // at most 64 KiB are kept (the rest is read and dropped)
  std::string retry_after;  // the Retry-After header, "" when absent
};

// Sends one request and waits for the whole answer, blocking the calling thread for at most
// `timeout` (connecting included); no redirects are followed, no signals are used. An answer
// with any status is a response; an error means no complete answer: kDeadlineExceeded when
// the time ran out, kInvalidArgument for a URL curl refuses, kUnavailable for the rest
// (refused, reset, DNS, TLS). Error messages name the URL's origin only (scheme://host:port),
// never its path or query, where webhook URLs carry their secret. Thread-safe.
Result<HttpResponse> performHttp(const HttpRequest& request, std::chrono::milliseconds timeout);

// "scheme://host:port" of a URL: all of it error text may name (paths and queries carry
// webhook tokens; a user:password@ part is dropped too).
std::string originOf(std::string_view url);

}  // namespace ninevolt::alerts::transport
