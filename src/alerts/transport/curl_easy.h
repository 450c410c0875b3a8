#pragma once

// Internal to alerts/transport: one libcurl easy handle per attempt and what both
// clients set on it. Not for other components (use http_client.h / smtp_client.h).

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <curl/curl.h>

#include "common/result.h"

namespace ninevolt::alerts::transport::detail {

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// A fresh handle (curl_global_init done once, thread-safe) with what every attempt needs:
// no signals (delivery threads), the whole attempt and the connect bounded by `timeout`,
// only `protocols` ("http,https" / "smtp,smtps"), and `error_buffer` for curl's details.
// nullptr only when libcurl cannot allocate.
EasyHandle newEasy(std::chrono::milliseconds timeout, const char* protocols,
                   char (&error_buffer)[CURL_ERROR_SIZE]);

// Appends one string to a list (the list takes a copy).
void append(Slist& list, const std::string& item);

// "scheme://host:port" of a URL: what error text may name (paths and queries carry webhook
// tokens; user:password@ is dropped too).
std::string originOf(std::string_view url);

// A transport failure (no complete answer) as an Error: kDeadlineExceeded on timeout,
// kInvalidArgument for a URL or protocol curl refuses, kUnavailable otherwise.
Error transportError(CURLcode code, const char* error_buffer, std::string_view origin,
                     std::chrono::milliseconds timeout);

}  // namespace ninevolt::alerts::transport::detail
