#include "alerts/transport/http_client.h"

#include <cctype>
#include <string_view>

#include "alerts/transport/curl_easy.h"

namespace ninevolt::alerts::transport {
namespace {

constexpr size_t kMaxBody = size_t{64} * 1024;

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

std::string originOf(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return "(url)";
  }
  size_t authority = scheme_end + 3;
  size_t end = url.find_first_of("/?#", authority);
  std::string_view host_port = url.substr(
      authority, end == std::string_view::npos ? std::string_view::npos : end - authority);
  if (size_t at = host_port.rfind('@'); at != std::string_view::npos) {
    host_port = host_port.substr(at + 1);
  }
  return std::string(url.substr(0, authority)) + std::string(host_port);
}

Result<HttpResponse> performHttp(const HttpRequest& request, std::chrono::milliseconds timeout) {
  const std::string origin = originOf(request.url);
  auto loaded = detail::curl();
  if (!loaded) {
    return tl::unexpected(loaded.error());
  }
  const detail::CurlLibrary& lib = **loaded;
  detail::ErrorBuffer error_buffer{};
  detail::EasyHandle h = detail::newEasy(lib, timeout, "http,https", error_buffer);
  if (!h) {
    return fail(Errc::kInternal, origin + ": curl_easy_init failed");
  }
  HttpResponse response;
  detail::Slist headers(lib);
  for (const auto& header : request.headers) {
    headers.append(header);
  }
  // No "Expect: 100-continue": curl would wait up to a second for a go-ahead on bodies over
  // 1 KiB, which some receivers never send.
  headers.append("Expect:");
  CURL* c = h.get();
  lib.easy_setopt(c, CURLOPT_URL, request.url.c_str());
  if (request.method != "POST") {
    lib.easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  lib.easy_setopt(c, CURLOPT_POST, 1L);
  lib.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  lib.easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
  lib.easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  lib.easy_setopt(c, CURLOPT_USERAGENT, request.user_agent.c_str());
  lib.easy_setopt(c, CURLOPT_WRITEFUNCTION, onBody);
  lib.easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
  lib.easy_setopt(c, CURLOPT_HEADERFUNCTION, onHeader);
  lib.easy_setopt(c, CURLOPT_HEADERDATA, &response);
  CURLcode code = lib.easy_perform(c);
  if (code != CURLE_OK) {
    return tl::unexpected(detail::transportError(lib, code, error_buffer, origin, timeout));
  }
  lib.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace ninevolt::alerts::transport
