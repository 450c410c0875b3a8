#pragma once

// The tls type's own monitor fields (docs/configs.md, "tls"): what the config core reads for
// `type: tls` and the check gets as spec.options<TlsSpec>().

#include <string>

#include "config/check_type.h"

namespace ninevolt::checks::tls {

struct TlsSpec : config::TypeOptions {
  std::string host;
  int port = 0;             // defaulted by starttls: 443, smtp 587, imap 143, pop3 110
  std::string server_name;  // SNI and the name verified; default: host
  std::string starttls;     // "", "smtp", "imap" or "pop3"
  bool tls_verify = true;
  std::string min_tls_version;  // "", "1.0", "1.1", "1.2" or "1.3"
  common::Nanos cert_expiry_warning = std::chrono::hours(14 * 24);
  common::Nanos cert_expiry_critical = std::chrono::hours(7 * 24);
};

const config::CheckTypeDef& typeDef();

}  // namespace ninevolt::checks::tls
