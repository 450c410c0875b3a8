#include "checks/http/http_target.h"

#include <algorithm>

#include <strings.h>

#include "checks/http/http_type.h"
#include "checks/http/http_verdict.h"

namespace ninevolt::checks::http {

HttpTarget::HttpTarget(const config::MonitorSpec& spec)
    : HttpTarget(spec.options<HttpSpec>(), spec.timeout) {}

HttpTarget::HttpTarget(const HttpSpec& spec, common::Nanos timeout)
    : method(spec.method),
      request_body(spec.request_body),
      expect(spec.expect),
      headers(spec.headers.begin(), spec.headers.end()),
      timeout(timeout),
      cert_expiry_warning(spec.cert_expiry_warning),
      max_body(std::max<int64_t>(spec.max_body, 0)),
      status_code(spec.status_code),
      port(static_cast<uint16_t>(spec.port)),
      ssl(spec.ssl),
      tls_verify(spec.tls_verify),
      follow_redirects(spec.follow_redirects),
      host_is_name(!isIpLiteral(spec.host)) {
  const bool v6 = spec.host.find(':') != std::string::npos;  // an IPv6 literal
  url = spec.ssl ? "https://" : "http://";
  host_pos = static_cast<uint32_t>(url.size() + (v6 ? 1 : 0));
  host_len = static_cast<uint32_t>(spec.host.size());
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "[" + std::string.
  if (v6) {
    url += '[';
    url += spec.host;
    url += ']';
  } else {
    url += spec.host;
  }
  url += ':';
  url += std::to_string(spec.port);
  path_pos = static_cast<uint32_t>(url.size());
  // The path is appended exactly as configured: no parsing, no re-encoding.
  url += spec.url;
}

bool HttpTarget::plainResendable() const {
  return (method == "GET" || method == "HEAD") && request_body.empty();
}

bool HttpTarget::plainEligible() const {
  if (ssl || host_is_name) {
    return false;
  }
  // Headers that change how curl sends the request (a chunked body, a wait for 100
  // Continue) are curl's to honour.
  if (header("Transfer-Encoding") != nullptr || header("Expect") != nullptr) {
    return false;
  }
  return plainResendable() || !follow_redirects;
}

const std::pair<std::string, std::string>* HttpTarget::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (h.first.size() == name.size()
        && strncasecmp(h.first.data(), name.data(), name.size()) == 0) {
      return &h;
    }
  }
  return nullptr;
}

}  // namespace ninevolt::checks::http
