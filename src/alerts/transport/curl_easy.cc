#include "alerts/transport/curl_easy.h"

#include <mutex>

#include <fmt/format.h>

namespace ninevolt::alerts::transport::detail {

EasyHandle newEasy(std::chrono::milliseconds timeout, const char* protocols,
                   char (&error_buffer)[CURL_ERROR_SIZE]) {
  // Before any handle exists and once per process: curl_global_init is not safe to race
  // with other curl calls in every libcurl build.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  EasyHandle h(curl_easy_init());
  if (!h) {
    return h;
  }
  error_buffer[0] = '\0';
  const long ms = static_cast<long>(std::max<int64_t>(1, timeout.count()));
  curl_easy_setopt(h.get(), CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h.get(), CURLOPT_TIMEOUT_MS, ms);
  curl_easy_setopt(h.get(), CURLOPT_CONNECTTIMEOUT_MS, ms);
  curl_easy_setopt(h.get(), CURLOPT_PROTOCOLS_STR, protocols);
  curl_easy_setopt(h.get(), CURLOPT_FOLLOWLOCATION, 0L);
  return h;
}

void append(Slist& list, const std::string& item) {
  curl_slist* grown = curl_slist_append(list.get(), item.c_str());
  if (grown != nullptr) {
    list.release();
    list.reset(grown);
  }
}

std::string originOf(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return "(url)";
  }
  size_t authority = scheme_end + 3;
  size_t end = url.find_first_of("/?#", authority);
  std::string_view host_port =
      url.substr(authority, end == std::string_view::npos ? std::string_view::npos
                                                          : end - authority);
  if (size_t at = host_port.rfind('@'); at != std::string_view::npos) {
    host_port = host_port.substr(at + 1);
  }
  return std::string(url.substr(0, authority)) + std::string(host_port);
}

Error transportError(CURLcode code, const char* error_buffer, std::string_view origin,
                     std::chrono::milliseconds timeout) {
  std::string detail = error_buffer != nullptr && error_buffer[0] != '\0'
                           ? std::string(error_buffer)
                           : std::string(curl_easy_strerror(code));
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return {Errc::kDeadlineExceeded,
              fmt::format("{}: no complete answer within {} ms ({})", origin, timeout.count(),
                          detail)};
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return {Errc::kInvalidArgument, fmt::format("{}: unusable URL ({})", origin, detail)};
    default:
      return {Errc::kUnavailable, fmt::format("{}: {}", origin, detail)};
  }
}

}  // namespace ninevolt::alerts::transport::detail
