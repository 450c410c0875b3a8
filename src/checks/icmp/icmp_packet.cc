#include "checks/icmp/icmp_packet.h"

#include <algorithm>

namespace ninevolt::checks::icmp {
namespace {

constexpr uint8_t kEchoRequestV4 = 8;
constexpr uint8_t kEchoReplyV4 = 0;
constexpr uint8_t kEchoRequestV6 = 128;
constexpr uint8_t kEchoReplyV6 = 129;
constexpr size_t kHeader = 8;

uint16_t read16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>((b[at] << 8) | b[at + 1]);
}

}  // namespace

uint16_t internetChecksum(std::span<const uint8_t> bytes) {
  uint32_t sum = 0;
  size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) {
    sum += static_cast<uint32_t>((bytes[i] << 8) | bytes[i + 1]);
  }
  if (i < bytes.size()) {
    sum += static_cast<uint32_t>(bytes[i] << 8);
  }
  while ((sum >> 16) != 0) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<uint16_t>(~sum);
}

std::vector<uint8_t> echoRequest(bool v6, uint16_t id, uint16_t seq, const Token& token) {
  std::vector<uint8_t> out(kHeader + token.size(), 0);
  out[0] = v6 ? kEchoRequestV6 : kEchoRequestV4;
  out[4] = static_cast<uint8_t>(id >> 8);
  out[5] = static_cast<uint8_t>(id & 0xff);
  out[6] = static_cast<uint8_t>(seq >> 8);
  out[7] = static_cast<uint8_t>(seq & 0xff);
  std::copy(token.begin(), token.end(), out.begin() + kHeader);
  if (!v6) {
    const uint16_t sum = internetChecksum(out);
    out[2] = static_cast<uint8_t>(sum >> 8);
    out[3] = static_cast<uint8_t>(sum & 0xff);
  }
  return out;
}

std::optional<EchoReply> parseEchoReply(bool v6, bool ip_header, std::span<const uint8_t> packet,
                                        const Token& token) {
  if (ip_header) {
    if (packet.empty() || (packet[0] >> 4) != 4) {
      return std::nullopt;
    }
    const size_t ihl = static_cast<size_t>(packet[0] & 0x0f) * 4;
    if (ihl < 20 || packet.size() < ihl) {
      return std::nullopt;
    }
    packet = packet.subspan(ihl);
  }
  if (packet.size() < kHeader + token.size()) {
    return std::nullopt;
  }
  if (packet[0] != (v6 ? kEchoReplyV6 : kEchoReplyV4) || packet[1] != 0) {
    return std::nullopt;
  }
  if (!std::equal(token.begin(), token.end(), packet.begin() + kHeader)) {
    return std::nullopt;
  }
  return EchoReply{read16(packet, 4), read16(packet, 6)};
}

}  // namespace ninevolt::checks::icmp
