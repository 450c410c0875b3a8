#include "checks/http/http_type.h"

#include <array>

#include <fmt/format.h>

#include "config/type_fields.h"

namespace ninevolt::checks::http {
namespace {

using config::detail::FieldState;
using config::detail::ProblemSink;
using S = HttpSpec;

constexpr std::array<std::string_view, 7> kMethods{"GET",   "HEAD",   "POST",   "PUT",
                                                   "PATCH", "DELETE", "OPTIONS"};
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

class HttpType : public config::TypedCheckType<HttpSpec> {
 public:
  HttpType()
      : TypedCheckType(
          "http", "an HTTP(S) request: status code, body, certificate expiry",
          {
              {"host", &S::host, "server name or address", {.required = true}},
              {"port", &S::port, "default 80, or 443 with ssl", {.min = 1, .max = 65535}},
              {"expect", &S::expect, "text the body must contain"},
              {"url", &S::url, "path and query to request (default /)"},
              {"method", &S::method, "GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS"},
              {"ssl", &S::ssl, "true = https"},
              {"status-code",
               &S::status_code,
               "the status wanted (default 200)",
               {.min = 100, .max = 599}},
              {"request-body", &S::request_body, "body sent with the request"},
              {"headers", &S::headers, "request headers, name: value"},
              {"tls-verify", &S::tls_verify, "false = accept any certificate"},
              {"follow-redirects", &S::follow_redirects, "false = judge the first answer"},
              {"cert-expiry-warning", &S::cert_expiry_warning,
               "warn when the certificate expires sooner (ssl only)"},
              {"max-body",
               &S::max_body,
               "bytes of body read at most (default 1 MiB)",
               {.min = 1, .max = kInt64Max}},
          }) {}

 protected:
  void rules(HttpSpec& s, const config::MonitorSpec& /*spec*/, const FieldState& state,
             ProblemSink& sink) const override {
    config::detail::checkHost(s.host, state, sink);
    if (state.has("url")) {
      if (s.url.rfind("http://", 0) == 0 || s.url.rfind("https://", 0) == 0) {
        sink.add("url", fmt::format("must be a path starting with '/', not a full URL (\"{}\"); "
                                    "put the server in 'host' and use 'ssl' for https",
                                    s.url));
      } else if (s.url.empty() || s.url.front() != '/') {
        sink.add("url", fmt::format("must start with '/', got \"{}\"", s.url));
      } else if (config::detail::hasSpaceOrControl(s.url)) {
        sink.add("url", "must not contain spaces or control characters (percent-encode them)");
      }
    }
    if (state.has("method")) {
      config::detail::checkOneOf(s.method, kMethods, "method", "method", sink);
    }
    for (const auto& [name, value] : s.headers) {
      if (!config::detail::isToken(name)) {
        sink.add("headers", fmt::format("invalid header name '{}'", name));
      } else if (value.find_first_of("\r\n") != std::string::npos) {
        // A newline would let a config smuggle extra headers into the request.
        sink.add("headers." + name, "must not contain line breaks");
      }
    }
    if (state.has("cert-expiry-warning") && !s.ssl) {
      sink.add("cert-expiry-warning", "only applies when ssl is true");
    }
    if (!state.has("port")) {
      s.port = s.ssl ? 443 : 80;
    }
  }

  std::string targetOf(const HttpSpec& s) const override {
    std::string host = s.host.find(':') != std::string::npos ? "[" + s.host + "]" : s.host;
    return fmt::format("{} {}://{}:{}{}", s.method, s.ssl ? "https" : "http", host, s.port, s.url);
  }
};

}  // namespace

const config::CheckTypeDef& typeDef() {
  static const HttpType type;
  return type;
}

}  // namespace ninevolt::checks::http
