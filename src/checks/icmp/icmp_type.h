#pragma once

// The icmp type's own monitor fields (docs/configs.md, "icmp"): what the config core reads
// for `type: icmp` and the check gets as spec.options<IcmpSpec>().

#include <optional>
#include <string>

#include "config/check_type.h"

namespace ninevolt::checks::icmp {

struct IcmpSpec : config::TypeOptions {
  std::string host;
  int count = 3;
  common::Nanos packet_interval = std::chrono::milliseconds(200);
  int max_loss = 50;                     // percent of pings that may go unanswered
  std::optional<common::Nanos> max_rtt;  // the average round trip may not be longer
};

const config::CheckTypeDef& typeDef();

}  // namespace ninevolt::checks::icmp
