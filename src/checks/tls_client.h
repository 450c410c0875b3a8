#pragma once

// TLS as a client, the way every check type that speaks it does (tls, websocket): one
// OpenSSL context per setting, shared by every check and loop, and per connection the name
// sent as SNI and verified in the certificate.

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <openssl/ssl.h>

namespace ninevolt::checks {

struct TlsClientSettings {
  bool verify = true;       // load trusted CAs; `verify_peer` decides whether it is enforced
  bool verify_peer = true;  // false: verification runs but the handshake never fails on it
  std::string ca_file;      // PEM CAs to trust instead of the system store ("" = system)
  std::string min_version;  // "", "1.0", "1.1", "1.2" or "1.3"
  std::string log_name;     // for the warning when the CAs cannot be loaded ("tls checks")
};

// A client context. Loading the CAs may fail: that is logged (the handshakes then fail
// verification and say so), not thrown.
std::shared_ptr<boost::asio::ssl::context> makeTlsClientContext(const TlsClientSettings& s);

// Before the handshake of one connection: SNI for a name (RFC 6066: never for an address),
// and, when `verify`, the name or address the certificate must match.
void prepareTlsConnection(SSL* ssl, const std::string& name, bool verify);

}  // namespace ninevolt::checks
