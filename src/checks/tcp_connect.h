#pragma once

// The first steps of every check type that speaks over TCP before its own protocol (tls,
// websocket): resolve the host unless it is an address, connect to each address in turn,
// and say what failed in the words every type uses.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "checks/result.h"

namespace ninevolt::checks {

struct TcpConnectRequest {
  std::string host;  // a name or an address
  uint16_t port = 0;
  std::string label;  // "host:port" as messages show it ("[::1]:443")
};

// Starts connecting `socket` to `request`. Returns true when a name lookup was started (the
// caller's timeout message then says "resolving"). `resolved` is called when a lookup ends
// (to end a phase) and returns false when the caller no longer wants the connection (then
// nothing more happens); `done` once with nullopt (connected) or the failure as a result:
// `cannot resolve "host": ...` (resolve) or `cannot connect to host:port: connection refused`
// (connect). Both are called on the socket's loop, never from inside this call. The handlers
// should hold what owns `socket` and `resolver`.
bool connectTcp(boost::asio::ip::tcp::socket& socket, boost::asio::ip::tcp::resolver& resolver,
                const TcpConnectRequest& request, std::function<bool()> resolved,
                std::function<void(std::optional<CheckResult>)> done);

}  // namespace ninevolt::checks
