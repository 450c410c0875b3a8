#include "checks/icmp/icmp_type.h"

#include <fmt/format.h>

#include "config/type_fields.h"

namespace ninevolt::checks::icmp {
namespace {

using S = IcmpSpec;

class IcmpType : public config::TypedCheckType<IcmpSpec> {
 public:
  IcmpType()
      : TypedCheckType(
          "icmp", "ICMP echo (ping), IPv4 or IPv6: loss and round-trip time",
          {
              {"host", &S::host, "name or address to ping", {.required = true}},
              {"count", &S::count, "echo requests per run (3)", {.min = 1, .max = 100}},
              {"packet-interval", &S::packet_interval, "time between requests (200ms)"},
              {"max-loss",
               &S::max_loss,
               "percent of requests that may go unanswered (50)",
               {.min = 0, .max = 100}},
              {"max-rtt", &S::max_rtt, "critical when the average round trip is longer"},
          }) {}

 protected:
  void rules(IcmpSpec& s, const config::MonitorSpec& spec, const config::detail::FieldState& state,
             config::detail::ProblemSink& sink) const override {
    config::detail::checkHost(s.host, state, sink);
    if (state.has("packet-interval") && s.packet_interval < std::chrono::milliseconds(10)) {
      // Faster is a flood, not a monitor.
      sink.add("packet-interval", fmt::format("must be at least 10ms, got {}",
                                              common::formatDuration(s.packet_interval)));
      return;
    }
    // Every request must go out, and its answer have time to come back, within the timeout.
    const auto sending = s.packet_interval * (s.count - 1);
    if (state.ok("count") && state.ok("packet-interval") && spec.timeout.count() > 0
        && sending >= spec.timeout) {
      sink.add("packet-interval",
               fmt::format("{} requests {} apart take {}, not shorter than the timeout {}; "
                           "lower count or packet-interval, or raise timeout",
                           s.count, common::formatDuration(s.packet_interval),
                           common::formatDuration(sending), common::formatDuration(spec.timeout)));
    }
  }

  std::string targetOf(const IcmpSpec& s) const override { return s.host; }
};

}  // namespace

const config::CheckTypeDef& typeDef() {
  static const IcmpType type;
  return type;
}

}  // namespace ninevolt::checks::icmp
