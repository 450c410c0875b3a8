#include "checks/tls/tls_type.h"

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "config/type_fields.h"

namespace ninevolt::checks::tls {
namespace {

using S = TlsSpec;

constexpr std::array<std::string_view, 3> kStartTls{"smtp", "imap", "pop3"};
constexpr std::array<std::string_view, 4> kVersions{"1.0", "1.1", "1.2", "1.3"};

int defaultPort(const std::string& starttls) {
  if (starttls == "smtp") {
    return 587;
  }
  if (starttls == "imap") {
    return 143;
  }
  if (starttls == "pop3") {
    return 110;
  }
  return 443;
}

class TlsType : public config::TypedCheckType<TlsSpec> {
 public:
  TlsType()
      : TypedCheckType(
          "tls", "a TLS handshake (optionally after STARTTLS): chain, host name, expiry",
          {
              {"host", &S::host, "server name or address", {.required = true}},
              {"port",
               &S::port,
               "default 443; with starttls smtp 587, imap 143, pop3 110",
               {.min = 1, .max = 65535}},
              {"server-name", &S::server_name,
               "name sent as SNI and verified against the certificate (default: host)"},
              {"starttls", &S::starttls, "smtp, imap or pop3: upgrade a plain connection"},
              {"tls-verify", &S::tls_verify,
               "false = report expiry only, accept any chain and name"},
              {"min-tls-version", &S::min_tls_version, "1.0, 1.1, 1.2 or 1.3"},
              {"cert-expiry-warning", &S::cert_expiry_warning,
               "warn when the certificate expires sooner (default 336h = 14 days)"},
              {"cert-expiry-critical", &S::cert_expiry_critical,
               "critical when it expires sooner (default 168h = 7 days)"},
          }) {}

 protected:
  void rules(TlsSpec& s, const config::MonitorSpec& /*spec*/,
             const config::detail::FieldState& state,
             config::detail::ProblemSink& sink) const override {
    config::detail::checkHost(s.host, state, sink);
    if (state.has("server-name")) {
      if (s.server_name.empty()) {
        sink.add("server-name", "must not be empty (leave it out to use host)");
      } else if (s.server_name.find('/') != std::string::npos
                 || config::detail::hasSpaceOrControl(s.server_name)) {
        sink.add("server-name", fmt::format("must be a host name, got \"{}\"", s.server_name));
      }
    }
    if (state.has("starttls") && !s.starttls.empty()) {
      std::string lower = s.starttls;
      for (auto& c : lower) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      if (std::find(kStartTls.begin(), kStartTls.end(), lower) == kStartTls.end()) {
        sink.add("starttls",
                 fmt::format("unknown protocol '{}'{}; one of smtp imap pop3", s.starttls,
                             config::detail::hint(lower, {"smtp", "imap", "pop3"})));
      }
      s.starttls = lower;
    }
    if (state.has("min-tls-version")
        && std::find(kVersions.begin(), kVersions.end(), s.min_tls_version) == kVersions.end()) {
      sink.add("min-tls-version",
               fmt::format("unknown version '{}'; one of 1.0 1.1 1.2 1.3", s.min_tls_version));
    }
    if (state.ok("cert-expiry-warning") && state.ok("cert-expiry-critical")
        && s.cert_expiry_critical > s.cert_expiry_warning) {
      sink.add("cert-expiry-critical",
               fmt::format("{} must not be longer than cert-expiry-warning {}",
                           common::formatDuration(s.cert_expiry_critical),
                           common::formatDuration(s.cert_expiry_warning)));
    }
    if (!state.has("port")) {
      s.port = defaultPort(s.starttls);
    }
  }

  std::string targetOf(const TlsSpec& s) const override {
    const bool v6 = s.host.find(':') != std::string::npos;
    std::string out = fmt::format("{}:{}", v6 ? "[" + s.host + "]" : s.host, s.port);
    if (!s.starttls.empty()) {
      out += " (" + s.starttls + " STARTTLS)";
    }
    return out;
  }
};

}  // namespace

const config::CheckTypeDef& typeDef() {
  static const TlsType type;
  return type;
}

}  // namespace ninevolt::checks::tls
