// DNS answers (checks/dns): a datagram from the network -> parseReply (ldns wire format,
// "is this the answer to our question?") -> judgeReply under a few monitors (record type,
// expect, expected count, max time). Any datagram is refused or judged; a judged result is
// OK or CRITICAL with a message fit for JSON (valid UTF-8, one line).
//
// The input's first two bytes are replaced by the ID of the query it is tried against (IDs
// are random), so that the fuzzer only has to find the question.

#include <array>
#include <cstring>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/dns/dns_judge.h"
#include "checks/dns/dns_message.h"
#include "support/fuzz_util.h"

namespace dns = ninevolt::checks::dns;
namespace config = ninevolt::config;
namespace fz = ninevolt::fuzz;

namespace {

struct Case {
  dns::DnsQuery query;
  std::vector<config::MonitorSpec> specs;  // monitors judging an answer to it
};

std::vector<Case>& cases() {
  static std::vector<Case> all;
  return all;
}

config::MonitorSpec monitor(const std::string& type, nlohmann::json extra) {
  nlohmann::json j{{"type", "dns"},
                   {"host", "127.0.0.1"},
                   {"dns-target", "a.test"},
                   {"interval", "10s"},
                   {"dns-record-type", type}};
  j.update(extra);
  config::Problems problems;
  auto spec = config::parseMonitor("dns", j, problems);
  if (!spec) {
    fz::violated("a dns seed monitor does not parse", problems.front().toString());
  }
  return *spec;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fz::quietLogs();
  for (const char* type : {"A", "AAAA", "CNAME", "MX", "TXT", "SRV", "NS", "PTR", "SOA", "CAA"}) {
    auto q = dns::buildQuery("a.test", type);
    if (!q) {
      fz::violated("buildQuery failed", q.error().message);
    }
    cases().push_back(
        {*q,
         {monitor(type, nlohmann::json::object()),
          monitor(type, {{"expect", "^a\\.test\\.\\s+\\d+\\s+IN\\s+\\S+\\s+10\\.1\\.2\\.3$"}}),
          monitor(type, {{"dns-expected-count", 2}}),
          monitor(type, {{"dns-expected-count", 0}, {"dns-max-time", "1ms"}})}});
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> datagram(data, data + size);
  for (const auto& c : cases()) {
    if (datagram.size() >= 2) {
      datagram[0] = static_cast<uint8_t>(c.query.id >> 8);
      datagram[1] = static_cast<uint8_t>(c.query.id & 0xff);
    }
    auto reply = dns::parseReply(c.query, datagram);
    if (!reply) {
      continue;
    }
    for (const auto& answer : reply->answers) {
      fz::check(fz::validUtf8(answer.text), "an answer's text is not UTF-8", answer.text);
    }
    for (const auto& spec : c.specs) {
      for (auto elapsed : {std::chrono::microseconds(250), std::chrono::microseconds(2500)}) {
        auto result = dns::judgeReply(spec.options<dns::DnsSpec>(), c.query.qtype, *reply, elapsed,
                                      "127.0.0.1:53");
        fz::check(result.status == ninevolt::checks::Status::kOk
                      || result.status == ninevolt::checks::Status::kCritical,
                  "a judged answer neither OK nor CRITICAL", result.message);
        fz::check(!result.message.empty(), "a judged answer without a message");
        fz::check(fz::validUtf8(result.message), "a result message that is not UTF-8",
                  result.message);
        fz::check(result.message.find('\n') == std::string::npos,
                  "a result message with a line break", result.message);
      }
    }
  }
  return 0;
}
