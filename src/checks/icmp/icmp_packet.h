#pragma once

// ICMP echo requests and replies as bytes: pure functions, no sockets (tested alone and
// fuzzed by the icmp tests). IPv4 (types 8/0) and IPv6 (128/129).

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace ninevolt::checks::icmp {

// The payload every request of one loop carries: a random token, so replies to other
// processes' pings (a raw socket sees them all) are never taken for ours.
using Token = std::array<uint8_t, 8>;

// An echo request: header (checksum filled for IPv4; the kernel does IPv6's) + token.
std::vector<uint8_t> echoRequest(bool v6, uint16_t id, uint16_t seq, const Token& token);

struct EchoReply {
  uint16_t id = 0;
  uint16_t seq = 0;
};

// Reads one received datagram. `ip_header`: raw IPv4 sockets deliver the IP header first.
// nullopt for anything but an echo reply carrying `token` (requests, errors, other pings,
// truncated or malformed packets).
std::optional<EchoReply> parseEchoReply(bool v6, bool ip_header, std::span<const uint8_t> packet,
                                        const Token& token);

// The Internet checksum (RFC 1071) of bytes.
uint16_t internetChecksum(std::span<const uint8_t> bytes);

}  // namespace ninevolt::checks::icmp
