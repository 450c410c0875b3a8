#pragma once

// Internal to alerts/transport: one libcurl easy handle per attempt and what both
// clients set on it. Not for other components (use http_client.h / smtp_client.h).
//
// libcurl is not linked: every call goes through the table of checks/http/curl_library.h,
// loaded with dlopen on first use (Debian's libcurl brings 33 libraries and ~6 MiB of RSS a
// process with no http check and no alert sent would pay for nothing).

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "curl_library/curl_library.h"

namespace ninevolt::alerts::transport::detail {

using curl::CurlLibrary;

// The process's libcurl (loaded and curl_global_init'ed once, on the first call from any
// thread), or kUnavailable saying why it cannot be loaded.
Result<const CurlLibrary*> curl();

struct EasyDeleter {
  const CurlLibrary* lib = nullptr;
  void operator()(CURL* h) const { lib->easy_cleanup(h); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

// A curl_slist owned with its library.
class Slist {
 public:
  explicit Slist(const CurlLibrary& lib) : lib_(&lib) {}
  ~Slist() { lib_->slist_free_all(list_); }
  Slist(const Slist&) = delete;
  Slist& operator=(const Slist&) = delete;

  void append(const std::string& item);  // the list keeps a copy
  curl_slist* get() const { return list_; }

 private:
  const CurlLibrary* lib_;
  curl_slist* list_ = nullptr;
};

using ErrorBuffer = std::array<char, CURL_ERROR_SIZE>;

// A fresh handle with what every attempt needs: no signals (delivery threads), the whole
// attempt and the connect bounded by `timeout`, only `protocols` ("http,https" /
// "smtp,smtps"), no redirects, and `error_buffer` for curl's details. nullptr only when
// libcurl cannot allocate.
EasyHandle newEasy(const CurlLibrary& lib, std::chrono::milliseconds timeout, const char* protocols,
                   ErrorBuffer& error_buffer);

// A transport failure (no complete answer) as an Error: kDeadlineExceeded on timeout,
// kInvalidArgument for a URL or protocol curl refuses, kUnavailable otherwise.
Error transportError(const CurlLibrary& lib, CURLcode code, const ErrorBuffer& error_buffer,
                     std::string_view origin, std::chrono::milliseconds timeout);

}  // namespace ninevolt::alerts::transport::detail
