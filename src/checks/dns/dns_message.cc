#include "checks/dns/dns_message.h"

#include <cctype>
#include <cstdlib>
#include <memory>

#include <fmt/format.h>
#include <ldns/ldns.h>

namespace ninevolt::checks::dns {
namespace {

struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using PktPtr = std::unique_ptr<ldns_pkt, PktFree>;

// ldns hands out malloc'd strings and buffers.
struct MallocFree {
  void operator()(void* p) const { std::free(p); }
};
std::string takeString(char* s) {
  std::unique_ptr<char, MallocFree> owned(s);
  return owned ? std::string(owned.get()) : std::string();
}

std::string lower(std::string s) {
  for (char& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

std::string canonicalName(const ldns_rdf* name) {
  return lower(takeString(ldns_rdf2str(name)));
}

std::string rcodeName(int rcode) {
  const ldns_lookup_table* entry = ldns_lookup_by_id(ldns_rcodes, rcode);
  return entry != nullptr ? entry->name : fmt::format("RCODE{}", rcode);
}

}  // namespace

Result<DnsQuery> buildQuery(std::string_view name, std::string_view record_type) {
  const std::string type_text(record_type);
  const ldns_rr_type type = ldns_get_rr_type_by_name(type_text.c_str());
  if (type == 0) {
    return fail(Errc::kInvalidArgument, fmt::format("unknown record type '{}'", record_type));
  }
  const std::string name_text(name);
  ldns_rdf* qname = ldns_dname_new_frm_str(name_text.c_str());
  if (qname == nullptr) {
    return fail(Errc::kInvalidArgument, fmt::format("'{}' is not a valid DNS name", name));
  }
  DnsQuery query;
  query.qname = canonicalName(qname);
  query.qtype = static_cast<uint16_t>(type);
  // ldns_pkt_query_new owns qname from here on, also when it fails.
  PktPtr pkt(ldns_pkt_query_new(qname, type, LDNS_RR_CLASS_IN, LDNS_RD));
  if (!pkt) {
    return fail(Errc::kInternal, "ldns could not build the query");
  }
  ldns_pkt_set_random_id(pkt.get());
  query.id = ldns_pkt_id(pkt.get());
  uint8_t* wire = nullptr;
  size_t size = 0;
  const ldns_status status = ldns_pkt2wire(&wire, pkt.get(), &size);
  std::unique_ptr<uint8_t, MallocFree> owned(wire);
  if (status != LDNS_STATUS_OK) {
    return fail(Errc::kInternal,
                fmt::format("cannot encode the query: {}", ldns_get_errorstr_by_id(status)));
  }
  query.wire.assign(wire, wire + size);
  return query;
}

Result<DnsReply> parseReply(const DnsQuery& query, std::span<const uint8_t> data) {
  ldns_pkt* raw = nullptr;
  const ldns_status status = ldns_wire2pkt(&raw, data.data(), data.size());
  PktPtr pkt(raw);
  if (status != LDNS_STATUS_OK || !pkt) {
    return fail(Errc::kInvalidArgument,
                fmt::format("not a DNS message: {}", ldns_get_errorstr_by_id(status)));
  }
  if (!ldns_pkt_qr(pkt.get())) {
    return fail(Errc::kInvalidArgument, "a query, not a response");
  }
  if (ldns_pkt_id(pkt.get()) != query.id) {
    return fail(Errc::kInvalidArgument, fmt::format("reply ID {} does not match query ID {}",
                                                    ldns_pkt_id(pkt.get()), query.id));
  }
  const ldns_rr_list* questions = ldns_pkt_question(pkt.get());
  if (ldns_rr_list_rr_count(questions) != 1) {
    return fail(Errc::kInvalidArgument, "reply does not carry exactly one question");
  }
  const ldns_rr* question = ldns_rr_list_rr(questions, 0);
  if (ldns_rr_get_type(question) != query.qtype || ldns_rr_get_class(question) != LDNS_RR_CLASS_IN
      || canonicalName(ldns_rr_owner(question)) != query.qname) {
    return fail(Errc::kInvalidArgument, "reply is for a different question");
  }

  DnsReply reply;
  reply.truncated = ldns_pkt_tc(pkt.get());
  reply.rcode = ldns_pkt_get_rcode(pkt.get());
  reply.rcode_name = rcodeName(reply.rcode);
  const ldns_rr_list* answers = ldns_pkt_answer(pkt.get());
  for (size_t i = 0; i < ldns_rr_list_rr_count(answers); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(answers, i);
    std::string text = takeString(ldns_rr2str(rr));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
      text.pop_back();
    }
    reply.answers.push_back({static_cast<uint16_t>(ldns_rr_get_type(rr)), std::move(text)});
  }
  return reply;
}

}  // namespace ninevolt::checks::dns
