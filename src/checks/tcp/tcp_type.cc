#include "checks/tcp/tcp_type.h"

#include <fmt/format.h>

#include "config/type_fields.h"

namespace ninevolt::checks::tcp {
namespace {

using S = TcpSpec;

class TcpType : public config::TypedCheckType<TcpSpec> {
 public:
  TcpType()
      : TypedCheckType(
          "tcp", "a TCP connect, optionally a payload sent and an answer read",
          {
              {"host", &S::host, "server name or address", {.required = true}},
              {"port", &S::port, "port to connect to", {.required = true, .min = 1, .max = 65535}},
              {"expect", &S::expect, "text the answer must contain"},
              {"send", &S::send, "bytes written after connecting"},
              {"read-timeout", &S::read_timeout, "wait for the answer (2s)"},
              {"write-timeout", &S::write_timeout, "wait to send (2s)"},
              {"read-size", &S::read_size, "bytes of answer read at most (4096)", {.min = 1}},
          },
          std::chrono::seconds(4)) {}

 protected:
  void rules(TcpSpec& s, const config::MonitorSpec& /*spec*/,
             const config::detail::FieldState& state,
             config::detail::ProblemSink& sink) const override {
    config::detail::checkHost(s.host, state, sink);
  }
  std::string targetOf(const TcpSpec& s) const override {
    return fmt::format("{}:{}", s.host, s.port);
  }
};

}  // namespace

const config::CheckTypeDef& typeDef() {
  static const TcpType type;
  return type;
}

}  // namespace ninevolt::checks::tcp
