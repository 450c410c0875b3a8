#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "checks/dns/dns_message.h"
#include "checks/dns/dns_type.h"
#include "checks/result.h"
#include "config/spec.h"

namespace ninevolt::checks::dns {

// Judges a reply that answers our question, in this order (first failure wins):
// rcode (anything but NOERROR) -> dns-expected-count -> any answers -> dns-max-time ->
// every answer matches expect. Only answers of the asked type count: a CNAME the server
// followed to reach an A record is how it got there, not an answer to "A?".
// `server` names the server in messages ("127.0.0.1:53"); `elapsed` is the time from the
// first send to the final answer (UDP plus any TCP retry). Fills status, message, values
// ("answers", "rcode"); phases are the caller's.
CheckResult judgeReply(const DnsSpec& spec, uint16_t qtype, const DnsReply& reply, Nanos elapsed,
                       std::string_view server);

// "3ms", "250us": a duration for a message, rounded to a readable unit.
std::string shortDuration(Nanos d);

}  // namespace ninevolt::checks::dns
