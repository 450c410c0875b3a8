#pragma once

// The http type's own monitor fields (docs/configs.md, "http"): what the config core reads
// for `type: http` and the check gets as spec.options<HttpSpec>().

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "config/check_type.h"

namespace ninevolt::checks::http {

struct HttpSpec : config::TypeOptions {
  std::string host;
  int port = 0;  // defaulted to 80 or 443 by ssl
  std::string expect;
  std::string url = "/";  // path + query, kept as written
  std::string method = "GET";
  bool ssl = false;
  int status_code = 200;
  std::string request_body;
  std::map<std::string, std::string> headers;
  bool tls_verify = true;
  bool follow_redirects = true;
  std::optional<common::Nanos> cert_expiry_warning;
  int64_t max_body = int64_t{1} << 20;
};

const config::CheckTypeDef& typeDef();

}  // namespace ninevolt::checks::http
