#include "checks/websocket/websocket_type.h"

#include <fmt/format.h>

#include "config/type_fields.h"

namespace ninevolt::checks::websocket {
namespace {

using S = WebsocketSpec;
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

class WebsocketType : public config::TypedCheckType<WebsocketSpec> {
 public:
  WebsocketType()
      : TypedCheckType(
          "websocket", "a WebSocket handshake (ws or wss), optionally a message and its answer",
          {
              {"host", &S::host, "server name or address", {.required = true}},
              {"port", &S::port, "default 80, or 443 with ssl", {.min = 1, .max = 65535}},
              {"url", &S::url, "path and query of the handshake (default /)"},
              {"ssl", &S::ssl, "true = wss"},
              {"tls-verify", &S::tls_verify, "false = accept any certificate"},
              {"headers", &S::headers, "handshake request headers, name: value"},
              {"subprotocol", &S::subprotocol,
               "Sec-WebSocket-Protocol asked for; the server must agree"},
              {"send", &S::send, "a text message sent after the handshake"},
              {"expect", &S::expect,
               "text the first message received must contain (one is awaited)"},
              {"max-message",
               &S::max_message,
               "bytes of one message read at most (1 MiB)",
               {.min = 1, .max = kInt64Max}},
          }) {}

 protected:
  void rules(WebsocketSpec& s, const config::MonitorSpec& /*spec*/,
             const config::detail::FieldState& state,
             config::detail::ProblemSink& sink) const override {
    config::detail::checkHost(s.host, state, sink);
    if (state.has("url")) {
      if (s.url.rfind("ws://", 0) == 0 || s.url.rfind("wss://", 0) == 0) {
        sink.add("url", fmt::format("must be a path starting with '/', not a full URL (\"{}\"); "
                                    "put the server in 'host' and use 'ssl' for wss",
                                    s.url));
      } else if (s.url.empty() || s.url.front() != '/') {
        sink.add("url", fmt::format("must start with '/', got \"{}\"", s.url));
      } else if (config::detail::hasSpaceOrControl(s.url)) {
        sink.add("url", "must not contain spaces or control characters (percent-encode them)");
      }
    }
    for (const auto& [name, value] : s.headers) {
      if (!config::detail::isToken(name)) {
        sink.add("headers", fmt::format("invalid header name '{}'", name));
      } else if (value.find_first_of("\r\n") != std::string::npos) {
        sink.add("headers." + name, "must not contain line breaks");
      }
    }
    if (state.has("subprotocol") && !config::detail::isToken(s.subprotocol)) {
      sink.add("subprotocol",
               fmt::format("must be a token (letters, digits, !#$%&'*+-.^_`|~), got \"{}\"",
                           s.subprotocol));
    }
    if (!state.has("port")) {
      s.port = s.ssl ? 443 : 80;
    }
  }

  std::string targetOf(const WebsocketSpec& s) const override {
    std::string host = s.host.find(':') != std::string::npos ? "[" + s.host + "]" : s.host;
    return fmt::format("{}://{}:{}{}", s.ssl ? "wss" : "ws", host, s.port, s.url);
  }
};

}  // namespace

const config::CheckTypeDef& typeDef() {
  static const WebsocketType type;
  return type;
}

}  // namespace ninevolt::checks::websocket
