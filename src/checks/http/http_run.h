#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <curl/curl.h>

#include "checks/check.h"
#include "checks/http/curl_multi_service.h"

namespace ninevolt::checks::http {

// One run: the easy handle and everything curl's callbacks write into. Owned by the check;
// destroying it stops the transfer (removed from the multi) and gives the handle back to
// the loop's CurlMultiService.
struct Run {
  Run() = default;
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  CurlMultiService* multi = nullptr;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  bool added = false;
  Check::DoneFn done;

  int64_t max_body = 0;
  std::string body;  // at most max_body bytes of the final response's body
  bool capped = false;
  std::optional<std::chrono::steady_clock::time_point> tls_started;
  bool got_bytes = false;
  bool headers_done = false;
  std::string callback_error;                  // a failure inside our own callbacks (kUnknown)
  std::array<char, CURL_ERROR_SIZE> errbuf{};  // CURLOPT_ERRORBUFFER

  ~Run() {
    if (added) {
      multi->remove(easy);
    }
    // easy and headers are only ever set through a loaded library. The handle goes back
    // to the loop's pool only after it left the multi (above).
    multi->releaseEasy(easy);
    if (headers != nullptr) {
      multi->curl()->slist_free_all(headers);
    }
  }
};

// curl callbacks; user data is the Run. They never throw.
size_t onHeader(char* data, size_t size, size_t count, void* user);  // CURLOPT_HEADERFUNCTION
size_t onBody(char* data, size_t size, size_t count, void* user);    // CURLOPT_WRITEFUNCTION
// CURLOPT_SSL_CTX_FUNCTION: records in Run::tls_started when the TLS handshake begins.
CURLcode onSslContext(CURL* easy, void* ctx, void* user);

}  // namespace ninevolt::checks::http
