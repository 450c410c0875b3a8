#include "alerts/transport/http_client.h"

#include <cctype>
#include <string_view>

#include "alerts/transport/curl_easy.h"

namespace ninevolt::alerts::transport {
namespace {

constexpr size_t kMaxBody = 64 * 1024;

size_t onBody(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  size_t n = size * count;
  if (body->size() < kMaxBody) {
    body->append(data, std::min(n, kMaxBody - body->size()));
  }
  return n;  // everything counts as consumed: a big reply is not an error
}

size_t onHeader(char* data, size_t size, size_t count, void* user) {
  size_t n = size * count;
  std::string_view line(data, n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    bool match = true;
    for (size_t i = 0; i < kName.size() && match; ++i) {
      match = std::tolower(static_cast<unsigned char>(line[i])) == kName[i];
    }
    if (match) {
      std::string_view value = line.substr(kName.size());
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
      }
      while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) {
        value.remove_suffix(1);
      }
      static_cast<HttpResponse*>(user)->retry_after = std::string(value);
    }
  }
  return n;
}

}  // namespace

Result<HttpResponse> performHttp(const HttpRequest& request, std::chrono::milliseconds timeout) {
  char error_buffer[CURL_ERROR_SIZE];
  detail::EasyHandle h = detail::newEasy(timeout, "http,https", error_buffer);
  const std::string origin = detail::originOf(request.url);
  if (!h) {
    return fail(Errc::kInternal, origin + ": curl_easy_init failed");
  }
  HttpResponse response;
  detail::Slist headers;
  for (const auto& header : request.headers) {
    detail::append(headers, header);
  }
  // No "Expect: 100-continue": curl would wait up to a second for a go-ahead on bodies over
  // 1 KiB, which some receivers never send.
  detail::append(headers, "Expect:");
  CURL* c = h.get();
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  if (request.method != "POST") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_USERAGENT, request.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &response);
  CURLcode code = curl_easy_perform(c);
  if (code != CURLE_OK) {
    return tl::unexpected(detail::transportError(code, error_buffer, origin, timeout));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace ninevolt::alerts::transport
