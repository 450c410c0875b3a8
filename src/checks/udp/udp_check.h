#pragma once

#include <memory>

#include "checks/check.h"

namespace ninevolt::checks::udp {

// The "udp" check type: send one datagram (`send` or `send-hex`) from a connected socket and
// wait for the first reply; `expect` / `expect-regex` judge it. Its fields: udp_type.h. For
// addBuiltinChecks (src/checks/builtin.h).
std::unique_ptr<CheckFactory> makeFactory(const FactoryContext& context);

}  // namespace ninevolt::checks::udp
