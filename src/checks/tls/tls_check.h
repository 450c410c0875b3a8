#pragma once

#include <memory>
#include <string>

#include "checks/check.h"

namespace ninevolt::checks::tls {

// Process-wide settings of the tls check type (not per monitor).
struct TlsOptions {
  // PEM bundle of CAs to trust instead of the system store; "" = system store (tests trust
  // their own CA this way).
  std::string ca_file;
};

// The "tls" check type: connect, optionally upgrade with STARTTLS (smtp, imap, pop3), make a
// TLS handshake, then judge the chain, the host name and the days left on the certificate.
// Its fields: tls_type.h. Contexts (OpenSSL SSL_CTX) are made once per factory and shared.
std::unique_ptr<CheckFactory> makeTlsCheckFactory(TlsOptions options = {});

// For addBuiltinChecks (src/checks/builtin.h).
std::unique_ptr<CheckFactory> makeFactory(const FactoryContext& context);

}  // namespace ninevolt::checks::tls
