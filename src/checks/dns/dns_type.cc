#include "checks/dns/dns_type.h"

#include <array>

#include <fmt/format.h>
#include <re2/re2.h>

#include "config/type_fields.h"

namespace ninevolt::checks::dns {
namespace {

using S = DnsSpec;

// The most memory one compiled `expect` may take (RE2's default is 8 MiB); a pattern that
// needs more is a config error, not a member's memory.
constexpr int64_t kExpectRegexMemory = 1 << 20;

constexpr std::array<std::string_view, 10> kRecordTypes{"A",   "AAAA", "CNAME", "MX",  "NS",
                                                        "TXT", "SOA",  "SRV",   "PTR", "CAA"};

class DnsType : public config::TypedCheckType<DnsSpec> {
 public:
  DnsType()
      : TypedCheckType(
          "dns", "a DNS query to one server: answers, count and time",
          {
              {"host", &S::host, "the DNS server to ask", {.required = true}},
              {"port", &S::port, "its port (53)", {.min = 1, .max = 65535}},
              {"expect", &S::expect, "RE2 pattern an answer record must match (default .)"},
              {"dns-target", &S::dns_target, "the name to look up", {.required = true}},
              {"dns-record-type", &S::dns_record_type,
               "A, AAAA, CNAME, MX, NS, TXT, SOA, SRV, PTR or CAA"},
              {"dns-max-time", &S::dns_max_time, "warn when the answer takes longer"},
              {"dns-expected-count",
               &S::dns_expected_count,
               "how many records must come back",
               {.min = 0}},
          }) {}

 protected:
  void rules(DnsSpec& s, const config::MonitorSpec& /*spec*/,
             const config::detail::FieldState& state,
             config::detail::ProblemSink& sink) const override {
    config::detail::checkHost(s.host, state, sink);
    if (state.has("dns-record-type")) {
      config::detail::checkOneOf(s.dns_record_type, kRecordTypes, "dns-record-type", "record type",
                                 sink);
    }
    if (!state.ok("expect")) {
      return;
    }
    // Compiled here so a bad pattern is a config problem, never a crash at run time (the
    // original 9volt compiled it per run and panicked). RE2 matches in time linear in the
    // answer whatever the pattern (std::regex recursed per character and overflowed the
    // stack on a back-reference like \5555...).
    re2::RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(kExpectRegexMemory);
    auto compiled = std::make_shared<const re2::RE2>(s.expect, options);
    if (!compiled->ok()) {
      sink.add("expect",
               fmt::format("invalid regular expression \"{}\": {}", s.expect, compiled->error()));
      return;
    }
    s.expect_regex = std::move(compiled);
  }

  std::string targetOf(const DnsSpec& s) const override {
    return fmt::format("{} {} @{}:{}", s.dns_target, s.dns_record_type, s.host, s.port);
  }
};

}  // namespace

const config::CheckTypeDef& typeDef() {
  static const DnsType type;
  return type;
}

}  // namespace ninevolt::checks::dns
