#include "checks/grpc/grpc_type.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "config/type_fields.h"

namespace ninevolt::checks::grpc {
namespace {

using S = GrpcSpec;

// gRPC metadata keys: lower-case letters, digits, '-', '_', '.'; "grpc-" is reserved, and
// "-bin" keys carry binary values this check does not send.
std::string metadataKeyProblem(const std::string& key) {
  if (key.empty()) {
    return "a metadata key must not be empty";
  }
  const bool ok = std::all_of(key.begin(), key.end(), [](unsigned char c) {
    return std::islower(c) != 0 || std::isdigit(c) != 0 || c == '-' || c == '_' || c == '.';
  });
  if (!ok) {
    return fmt::format("metadata key '{}' may hold only a-z 0-9 - _ . (gRPC keys are lower case)",
                       key);
  }
  if (key.rfind("grpc-", 0) == 0) {
    return fmt::format("metadata key '{}' is reserved by gRPC", key);
  }
  if (key.size() > 4 && key.compare(key.size() - 4, 4, "-bin") == 0) {
    return fmt::format("metadata key '{}' is a binary key; only text values are sent", key);
  }
  return "";
}

class GrpcType : public config::TypedCheckType<GrpcSpec> {
 public:
  GrpcType()
      : TypedCheckType(
          "grpc", "grpc.health.v1.Health/Check: SERVING or not",
          {
              {"host", &S::host, "server name or address", {.required = true}},
              {"port", &S::port, "its port", {.required = true, .min = 1, .max = 65535}},
              {"service", &S::service, "the service asked about (default: the whole server)"},
              {"ssl", &S::ssl, "true = TLS"},
              {"tls-verify", &S::tls_verify, "false = accept any certificate"},
              {"server-name", &S::server_name, "name verified in the certificate (default host)"},
              {"metadata", &S::metadata, "sent with the call, key: value (keys lower case)"},
          }) {}

 protected:
  void rules(GrpcSpec& s, const config::MonitorSpec& /*spec*/,
             const config::detail::FieldState& state,
             config::detail::ProblemSink& sink) const override {
    config::detail::checkHost(s.host, state, sink);
    for (const auto& [key, value] : s.metadata) {
      if (std::string why = metadataKeyProblem(key); !why.empty()) {
        sink.add("metadata", why);
      } else if (value.find_first_of("\r\n") != std::string::npos) {
        sink.add("metadata." + key, "must not contain line breaks");
      }
    }
    if (state.has("server-name") && !s.ssl) {
      sink.add("server-name", "only applies when ssl is true");
    }
    if (state.has("tls-verify") && !s.ssl) {
      sink.add("tls-verify", "only applies when ssl is true");
    }
  }

  std::string targetOf(const GrpcSpec& s) const override {
    const bool v6 = s.host.find(':') != std::string::npos;
    return fmt::format("grpc{}://{}:{}{}", s.ssl ? "s" : "", v6 ? "[" + s.host + "]" : s.host,
                       s.port, s.service.empty() ? "" : " service '" + s.service + "'");
  }
};

}  // namespace

const config::CheckTypeDef& typeDef() {
  static const GrpcType type;
  return type;
}

}  // namespace ninevolt::checks::grpc
