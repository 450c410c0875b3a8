#include "checks/tls_client.h"

#include <boost/asio/ip/address.hpp>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

namespace ninevolt::checks {
namespace {

int minVersion(const std::string& v) {
  if (v == "1.3") {
    return TLS1_3_VERSION;
  }
  if (v == "1.2") {
    return TLS1_2_VERSION;
  }
  if (v == "1.1") {
    return TLS1_1_VERSION;
  }
  return TLS1_VERSION;
}

}  // namespace

std::shared_ptr<boost::asio::ssl::context> makeTlsClientContext(const TlsClientSettings& s) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  // Old versions stay possible unless a minimum is asked for: a check reports what the
  // server speaks, it does not enforce a policy nobody wrote down.
  SSL_CTX_set_min_proto_version(ctx->native_handle(), minVersion(s.min_version));
  ctx->set_verify_mode(s.verify && s.verify_peer ? ssl::verify_peer : ssl::verify_none);
  if (s.verify) {
    boost::system::error_code ec;
    if (!s.ca_file.empty()) {
      ctx->load_verify_file(s.ca_file, ec);
    } else {
      ctx->set_default_verify_paths(ec);
    }
    if (ec) {
      spdlog::warn("{}: cannot load the trusted certificates ({}): {}", s.log_name,
                   s.ca_file.empty() ? "system store" : s.ca_file, ec.message());
    }
  }
  return ctx;
}

void prepareTlsConnection(SSL* ssl, const std::string& name, bool verify) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(name, ec);
  const bool address = !ec;
  if (!address) {
    SSL_set_tlsext_host_name(ssl, name.c_str());
  }
  if (verify) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (address) {
      X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
    } else {
      X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
    }
  }
}

}  // namespace ninevolt::checks
