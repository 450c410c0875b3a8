#pragma once

#include <memory>

#include "checks/check.h"

namespace ninevolt::checks::icmp {

// The "icmp" check type: `count` echo requests `packet-interval` apart through the loop's
// Pinger (pinger.h), judged on loss and average round trip. Its fields: icmp_type.h. For
// addBuiltinChecks (src/checks/builtin.h).
std::unique_ptr<CheckFactory> makeFactory(const FactoryContext& context);

}  // namespace ninevolt::checks::icmp
