#include "checks/http/http_run.h"

#include <exception>
#include <string_view>

#include <openssl/ssl.h>

#include "curl_library/curl_library.h"

namespace ninevolt::checks::http {

size_t onHeader(char* data, size_t size, size_t count, void* user) {
  auto* run = static_cast<Run*>(user);
  std::string_view line(data, size * count);
  run->got_bytes = true;
  if (line.substr(0, 5) == "HTTP/") {
    // A new response (after a redirect or a 100 Continue): only the last one's body counts.
    run->body.clear();
    run->capped = false;
    run->headers_done = false;
  } else if (line == "\r\n" || line == "\n") {
    run->headers_done = true;
  }
  return size * count;
}

size_t onBody(char* data, size_t size, size_t count, void* user) {
  auto* run = static_cast<Run*>(user);
  const size_t n = size * count;
  try {
    const size_t room = static_cast<size_t>(run->max_body) - run->body.size();
    if (n > room) {
      // Stop reading at the cap: a short count makes curl end the transfer
      // (CURLE_WRITE_ERROR), which finish() treats as a complete, capped body.
      run->body.append(data, room);
      run->capped = true;
      return room;
    }
    run->body.append(data, n);
    return n;
  } catch (const std::exception& e) {
    run->callback_error = std::string("reading the body: ") + e.what();
    return 0;
  }
}

namespace {

// The OpenSSL functions of the libssl that libcurl uses. These callbacks only run inside a
// transfer, so the library is loaded.
const CurlLibrary& ssl() {
  return *curlLibrary();
}

// The SSL_CTX slot where a connection's Run is kept for the OpenSSL info callback.
int runIndex() {
  // What the SSL_CTX_get_ex_new_index macro expands to.
  static const int kIndex =
      ssl().crypto_get_ex_new_index(CRYPTO_EX_INDEX_SSL_CTX, 0, nullptr, nullptr, nullptr, nullptr);
  return kIndex;
}

void onTlsInfo(const SSL* ssl_connection, int where, int /*ret*/) {
  if ((where & SSL_CB_HANDSHAKE_START) == 0) {
    return;
  }
  auto* run = static_cast<Run*>(
      ssl().ssl_ctx_get_ex_data(ssl().ssl_get_ssl_ctx(ssl_connection), runIndex()));
  if (run != nullptr && !run->tls_started) {
    run->tls_started = std::chrono::steady_clock::now();
  }
}

}  // namespace

// curl 7.88 makes one SSL_CTX per connection and hands it to us before connecting; the
// handshake start marks the end of the TCP connect, which curl does not report separately.
CURLcode onSslContext(CURL* /*easy*/, void* ctx, void* user) {
  ssl().ssl_ctx_set_ex_data(static_cast<SSL_CTX*>(ctx), runIndex(), user);
  ssl().ssl_ctx_set_info_callback(static_cast<SSL_CTX*>(ctx), &onTlsInfo);
  return CURLE_OK;
}

}  // namespace ninevolt::checks::http
