#pragma once

// The websocket type's own monitor fields (docs/configs.md, "websocket"): what the config
// core reads for `type: websocket` and the check gets as spec.options<WebsocketSpec>().

#include <cstdint>
#include <map>
#include <string>

#include "config/check_type.h"

namespace ninevolt::checks::websocket {

struct WebsocketSpec : config::TypeOptions {
  std::string host;
  int port = 0;           // default 80, or 443 with ssl
  std::string url = "/";  // the path (and query) of the handshake request
  bool ssl = false;       // wss
  bool tls_verify = true;
  std::map<std::string, std::string> headers;  // sent with the handshake
  std::string subprotocol;                     // asked for, and required in the answer
  std::string send;                            // a text message sent after the handshake
  std::string expect;  // a substring of the first message received (one is awaited if set)
  int64_t max_message = int64_t{1} << 20;
};

const config::CheckTypeDef& typeDef();

}  // namespace ninevolt::checks::websocket
