#include "checks/dns/dns_judge.h"

#include <string>

#include <fmt/format.h>
#include <re2/re2.h>

#include "common/duration.h"

namespace ninevolt::checks::dns {
namespace {

std::string plural(size_t n, std::string_view type) {
  return fmt::format("{} {} record{}", n, type, n == 1 ? "" : "s");
}

}  // namespace

std::string shortDuration(Nanos d) {
  using std::chrono::duration_cast;
  if (d >= std::chrono::milliseconds(1)) {
    return common::formatDuration(duration_cast<std::chrono::milliseconds>(d));
  }
  return common::formatDuration(duration_cast<std::chrono::microseconds>(d));
}

CheckResult judgeReply(const DnsSpec& spec, uint16_t qtype, const DnsReply& reply, Nanos elapsed,
                       std::string_view server) {
  const std::string& type = spec.dns_record_type;
  const std::string& target = spec.dns_target;
  std::vector<const DnsAnswer*> asked;
  for (const DnsAnswer& answer : reply.answers) {
    if (answer.type == qtype) {
      asked.push_back(&answer);
    }
  }

  CheckResult result;
  result.values["answers"] = static_cast<double>(asked.size());
  result.values["rcode"] = reply.rcode;
  auto critical = [&](std::string message, Failure why = Failure::kExpect) {
    result.status = Status::kCritical;
    result.message = std::move(message);
    result.failure = why;
    return result;
  };

  if (reply.rcode != 0) {
    return critical(
        fmt::format("{} answered {} for {} {}", server, reply.rcode_name, target, type));
  }
  if (spec.dns_expected_count) {
    // A set count replaces "any answers": dns-expected-count: 0 means "must have none".
    if (asked.size() != static_cast<size_t>(*spec.dns_expected_count)) {
      return critical(fmt::format("expected {} for {}, got {}",
                                  plural(*spec.dns_expected_count, type), target, asked.size()));
    }
  } else if (asked.empty()) {
    return critical(fmt::format("no {} records for {}", type, target));
  }
  if (spec.dns_max_time && elapsed > *spec.dns_max_time) {
    return critical(fmt::format("answer took {}, more than dns-max-time {}", shortDuration(elapsed),
                                common::formatDuration(*spec.dns_max_time)),
                    Failure::kSlow);
  }
  // Applied with or without a count (the original 9volt skipped it without one).
  if (spec.expect_regex) {
    for (const DnsAnswer* answer : asked) {
      if (!re2::RE2::PartialMatch(answer->text, *spec.expect_regex)) {
        return critical(fmt::format("{} record '{}' does not match expect '{}'", type, answer->text,
                                    spec.expect));
      }
    }
  }
  result.status = Status::kOk;
  result.message = fmt::format("{} for {} from {} in {}", plural(asked.size(), type), target,
                               server, shortDuration(elapsed));
  return result;
}

}  // namespace ninevolt::checks::dns
