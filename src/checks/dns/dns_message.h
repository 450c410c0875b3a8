#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ninevolt::checks::dns {

// The only interface to ldns (wire format + presentation form); the I/O is elsewhere.

// One question, in wire format, with what a reply must echo back.
struct DnsQuery {
  std::vector<uint8_t> wire;
  uint16_t id = 0;
  uint16_t qtype = 0;
  std::string qname;  // canonical: lower case, absolute ("a.test.")
};

// kInvalidArgument when the name or the record type cannot be encoded. The query has a
// random ID and RD set (we ask a recursive resolver as often as an authority).
Result<DnsQuery> buildQuery(std::string_view name, std::string_view record_type);

struct DnsAnswer {
  uint16_t type = 0;
  std::string text;  // presentation form, "a.test.\t300\tIN\tA\t10.1.2.3", no newline
};

struct DnsReply {
  bool truncated = false;
  int rcode = 0;
  std::string rcode_name;          // "NOERROR", "NXDOMAIN", ...
  std::vector<DnsAnswer> answers;  // every answer record, in order (CNAME chains included)
};

// Parses a reply and checks that it answers `query`: a response (QR), the same ID, and the
// same single question. An error means "not our answer" (stale, spoofed, garbage): the
// caller keeps waiting rather than judging it.
Result<DnsReply> parseReply(const DnsQuery& query, std::span<const uint8_t> data);

}  // namespace ninevolt::checks::dns
