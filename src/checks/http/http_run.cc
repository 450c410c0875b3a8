#include "checks/http/http_run.h"

#include <exception>
#include <string_view>

#include <openssl/ssl.h>

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

// The SSL_CTX slot where a connection's Run is kept for the OpenSSL info callback.
int runIndex() {
  static const int kIndex = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return kIndex;
}

void onTlsInfo(const SSL* ssl, int where, int /*ret*/) {
  if ((where & SSL_CB_HANDSHAKE_START) == 0) {
    return;
  }
  auto* run = static_cast<Run*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), runIndex()));
  if (run != nullptr && !run->tls_started) {
    run->tls_started = std::chrono::steady_clock::now();
  }
}

}  // namespace

// curl 7.88 makes one SSL_CTX per connection and hands it to us before connecting; the
// handshake start marks the end of the TCP connect, which curl does not report separately.
CURLcode onSslContext(CURL* /*easy*/, void* ctx, void* user) {
  SSL_CTX_set_ex_data(static_cast<SSL_CTX*>(ctx), runIndex(), user);
  SSL_CTX_set_info_callback(static_cast<SSL_CTX*>(ctx), &onTlsInfo);
  return CURLE_OK;
}

}  // namespace ninevolt::checks::http
