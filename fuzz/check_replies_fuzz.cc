// What peers send the newer check types, untrusted: an ICMP datagram (a raw socket sees any
// host's ICMP) read as an echo reply, and the lines of a STARTTLS dialogue (whatever a mail
// server, or something pretending to be one, says). No crash, no overread; a reply is only
// taken with our token; the dialogue ends (upgrade or failure) or asks for more, and its
// failure texts are one line.

#include <array>
#include <string>
#include <string_view>

#ifndef NV_FUZZ_WITHOUT_ICMP
#include "checks/icmp/icmp_packet.h"
#endif
#ifndef NV_FUZZ_WITHOUT_TLS
#include "checks/tls/starttls.h"
#endif
#include "support/fuzz_util.h"

namespace fz = ninevolt::fuzz;

namespace {

// A build without icmp or tls (NINEVOLT_CHECK_TYPES, fuzz/CMakeLists.txt) fuzzes the other.
#ifndef NV_FUZZ_WITHOUT_ICMP
namespace icmp = ninevolt::checks::icmp;

void icmpReplies(const uint8_t* data, size_t size) {
  const icmp::Token token{1, 2, 3, 4, 5, 6, 7, 8};
  const std::span<const uint8_t> packet(data, size);
  for (bool v6 : {false, true}) {
    for (bool ip_header : {false, true}) {
      auto reply = icmp::parseEchoReply(v6, ip_header, packet, token);
      if (reply) {
        // Taken only with the token: it must be in the bytes.
        const std::string bytes(reinterpret_cast<const char*>(data), size);
        fz::check(bytes.find(std::string(token.begin(), token.end())) != std::string::npos,
                  "an echo reply taken without our token");
      }
    }
  }
  // Our own request, answered: always taken, with its id and sequence.
  const uint16_t seq = size > 1 ? static_cast<uint16_t>((data[0] << 8) | data[1]) : 7;
  auto request = icmp::echoRequest(false, 0x4242, seq, token);
  fz::check(icmp::internetChecksum(request) == 0, "a request with a bad checksum");
  request[0] = 0;  // echo reply
  auto back = icmp::parseEchoReply(false, false, request, token);
  fz::check(back && back->seq == seq && back->id == 0x4242, "our own reply not recognised");
}
#endif

#ifndef NV_FUZZ_WITHOUT_TLS
namespace tls = ninevolt::checks::tls;

void startTlsDialogue(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const char* protocol : {"smtp", "imap", "pop3"}) {
    tls::StartTls dialogue(protocol);
    size_t start = 0;
    int lines = 0;
    while (start <= text.size() && lines < 200) {
      size_t end = text.find('\n', start);
      const std::string_view line =
          text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
      auto action = dialogue.onLine(line);
      ++lines;
      if (action.step == tls::StartTls::Step::kFail) {
        fz::check(action.text.find('\n') == std::string::npos && !action.text.empty(),
                  "a STARTTLS failure that is empty or not one line", action.text);
        break;
      }
      if (action.step == tls::StartTls::Step::kUpgrade) {
        break;
      }
      if (action.step == tls::StartTls::Step::kWrite) {
        fz::check(action.text.size() >= 2 && action.text.substr(action.text.size() - 2) == "\r\n",
                  "a STARTTLS command without CRLF", action.text);
      }
      if (end == std::string_view::npos) {
        break;
      }
      start = end + 1;
    }
  }
}
#endif

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
#ifndef NV_FUZZ_WITHOUT_ICMP
  icmpReplies(data, size);
#endif
#ifndef NV_FUZZ_WITHOUT_TLS
  startTlsDialogue(data, size);
#endif
  return 0;
}
