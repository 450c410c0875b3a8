#pragma once

#include <memory>

#include "checks/check.h"

namespace ninevolt::checks {

// The "tcp" check type: connect (bounded by timeout), optionally write `send`, optionally read
// until `expect` appears. Its fields: tcp_type.h.
std::unique_ptr<CheckFactory> makeTcpCheckFactory();

}  // namespace ninevolt::checks

namespace ninevolt::checks::tcp {
// For addBuiltinChecks (src/checks/builtin.h).
std::unique_ptr<CheckFactory> makeFactory(const FactoryContext& context);
}  // namespace ninevolt::checks::tcp
