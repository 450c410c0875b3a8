#pragma once

#include <memory>
#include <string>

#include "checks/check.h"

namespace ninevolt::checks::websocket {

// Process-wide settings of the websocket check type (not per monitor).
struct WebsocketOptions {
  std::string ca_file;  // CAs to trust for wss instead of the system store ("" = system)
  std::string user_agent = "9volt";
};

// The "websocket" check type: connect, TLS for wss, the WebSocket handshake (Boost.Beast),
// then optionally one text message sent and the first message received matched against
// `expect`; the connection is closed with a close frame. Its fields: websocket_type.h.
std::unique_ptr<CheckFactory> makeWebsocketCheckFactory(WebsocketOptions options = {});

// For addBuiltinChecks (src/checks/builtin.h).
std::unique_ptr<CheckFactory> makeFactory(const FactoryContext& context);

}  // namespace ninevolt::checks::websocket
