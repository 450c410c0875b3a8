#include "checks/udp/udp_type.h"

#include <cctype>

#include <fmt/format.h>
#include <re2/re2.h>

#include "config/type_fields.h"

namespace ninevolt::checks::udp {
namespace {

using S = UdpSpec;

// As dns `expect`: RE2 with bounded memory, so a pattern cannot cost a member more.
constexpr int64_t kRegexMemory = 1 << 20;

int hexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// "0a1b 2c" -> bytes; whitespace between bytes is allowed. Empty string and a problem on
// odd digits or a non-hex character.
std::string decodeHex(const std::string& text, std::string& problem) {
  std::string out;
  int high = -1;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      if (high >= 0) {
        problem = fmt::format("a byte is split by a space at offset {}", i);
        return {};
      }
      continue;
    }
    const int v = hexValue(c);
    if (v < 0) {
      problem = fmt::format("'{}' at offset {} is not a hex digit", c, i);
      return {};
    }
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<char>((high << 4) | v));
      high = -1;
    }
  }
  if (high >= 0) {
    problem = "an odd number of hex digits";
    return {};
  }
  return out;
}

class UdpType : public config::TypedCheckType<UdpSpec> {
 public:
  UdpType()
      : TypedCheckType(
          "udp", "a datagram sent, a reply awaited and matched",
          {
              {"host", &S::host, "server name or address", {.required = true}},
              {"port", &S::port, "port to send to", {.required = true, .min = 1, .max = 65535}},
              {"send", &S::send, "payload as text (YAML escapes such as \\n work)"},
              {"send-hex", &S::send_hex, "payload as hex digits, e.g. \"de ad be ef\""},
              {"expect", &S::expect, "text the reply must contain"},
              {"expect-regex", &S::expect_regex, "RE2 pattern the reply must match"},
              {"read-size",
               &S::read_size,
               "bytes of the reply kept and matched (4096)",
               {.min = 1, .max = 65535}},
          }) {}

 protected:
  void rules(UdpSpec& s, const config::MonitorSpec& /*spec*/,
             const config::detail::FieldState& state,
             config::detail::ProblemSink& sink) const override {
    config::detail::checkHost(s.host, state, sink);
    if (state.has("send") && state.has("send-hex")) {
      sink.add("send-hex", "write the payload once: either send or send-hex");
    } else if (state.has("send-hex")) {
      std::string problem;
      s.payload = decodeHex(s.send_hex, problem);
      if (!problem.empty()) {
        sink.add("send-hex", problem);
      }
    } else {
      s.payload = s.send;
    }
    // IPv4's limit for one datagram's payload; a bigger one cannot be sent at all.
    if (s.payload.size() > 65507) {
      sink.add(state.has("send-hex") ? "send-hex" : "send",
               fmt::format("the payload is {} bytes; one datagram carries at most 65507",
                           s.payload.size()));
    }
    if (state.has("expect-regex")) {
      re2::RE2::Options options;
      options.set_log_errors(false);
      options.set_max_mem(kRegexMemory);
      // Replies are bytes, not text: match them as Latin-1 so any byte is a character.
      options.set_encoding(re2::RE2::Options::EncodingLatin1);
      auto compiled = std::make_shared<const re2::RE2>(s.expect_regex, options);
      if (!compiled->ok()) {
        sink.add("expect-regex", fmt::format("invalid regular expression \"{}\": {}",
                                             s.expect_regex, compiled->error()));
      } else {
        s.expect_regex_compiled = std::move(compiled);
      }
    }
  }

  std::string targetOf(const UdpSpec& s) const override {
    const bool v6 = s.host.find(':') != std::string::npos;
    return fmt::format("udp://{}:{}", v6 ? "[" + s.host + "]" : s.host, s.port);
  }
};

}  // namespace

const config::CheckTypeDef& typeDef() {
  static const UdpType type;
  return type;
}

}  // namespace ninevolt::checks::udp
