#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checks/http/http_type.h"
#include "common/duration.h"
#include "config/spec.h"

namespace ninevolt::checks::http {

using common::Nanos;

// What one check needs of its monitor, and nothing else. A check lives as long as its
// member owns it, so at 100,000 checks each byte here is 100 KB: the whole MonitorSpec
// (~0.7 KiB inline, every type's fields) and a copy of the factory's options are not kept.
struct HttpTarget {
  explicit HttpTarget(const config::MonitorSpec& spec);
  HttpTarget(const HttpSpec& spec, common::Nanos timeout);

  // True when the plain client (plain_client.h) may make this check's requests: plain
  // http to an IP address, and a request that is safe to send again when a redirect takes
  // it where only curl can follow (GET or HEAD without a body), or redirects not followed.
  // Whether a proxy is configured is the factory's to add (HttpOptions).
  bool plainEligible() const;
  // GET or HEAD without a body: safe to send again (a hop handed to curl is made twice).
  bool plainResendable() const;
  // The monitor's header of that name (any case), or null.
  const std::pair<std::string, std::string>* header(std::string_view name) const;

  // The host as configured (an IPv6 literal without brackets) and the path, both parts of url.
  std::string_view host() const { return std::string_view(url).substr(host_pos, host_len); }
  std::string_view path() const { return std::string_view(url).substr(path_pos); }

  std::string url;  // "http://host:port/path", the path exactly as configured
  std::string method;
  std::string request_body;
  std::string expect;
  std::vector<std::pair<std::string, std::string>> headers;
  Nanos timeout;
  std::optional<Nanos> cert_expiry_warning;
  int64_t max_body;
  int status_code;
  uint32_t host_pos = 0;
  uint32_t host_len = 0;
  uint32_t path_pos = 0;
  uint16_t port;
  bool ssl;
  bool tls_verify;
  bool follow_redirects;
  bool host_is_name;
};

}  // namespace ninevolt::checks::http
