#include "alerts/transport/curl_easy.h"

#include <algorithm>

#include <fmt/format.h>

namespace ninevolt::alerts::transport::detail {

Result<const CurlLibrary*> curl() {
  const auto& loaded = curl::curlLibrary();
  if (!loaded) {
    return fail(Errc::kUnavailable, "libcurl: " + loaded.error().message);
  }
  return &*loaded;
}

void Slist::append(const std::string& item) {
  if (curl_slist* grown = lib_->slist_append(list_, item.c_str())) {
    list_ = grown;
  }
}

EasyHandle newEasy(const CurlLibrary& lib, std::chrono::milliseconds timeout, const char* protocols,
                   ErrorBuffer& error_buffer) {
  EasyHandle h(lib.easy_init(), EasyDeleter{&lib});
  if (!h) {
    return h;
  }
  error_buffer[0] = '\0';
  const long ms = static_cast<long>(std::max<int64_t>(1, timeout.count()));
  CURL* c = h.get();
  lib.easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer.data());
  lib.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  lib.easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
  lib.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms);
  lib.easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols);
  lib.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  return h;
}

Error transportError(const CurlLibrary& lib, CURLcode code, const ErrorBuffer& error_buffer,
                     std::string_view origin, std::chrono::milliseconds timeout) {
  std::string detail = error_buffer[0] != '\0' ? std::string(error_buffer.data())
                                               : std::string(lib.easy_strerror(code));
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return {Errc::kDeadlineExceeded, fmt::format("{}: no complete answer within {} ms ({})",
                                                   origin, timeout.count(), detail)};
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return {Errc::kInvalidArgument, fmt::format("{}: unusable URL ({})", origin, detail)};
    default:
      return {Errc::kUnavailable, fmt::format("{}: {}", origin, detail)};
  }
}

}  // namespace ninevolt::alerts::transport::detail
