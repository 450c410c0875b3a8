#pragma once

#include <memory>

#include "checks/check.h"

namespace ninevolt::checks {

// The "tcp" check type: connect (bounded by timeout), optionally write `send`, optionally read
// until `expect` appears. Registered from main() with
// registry.add(config::CheckType::kTcp, makeTcpCheckFactory()).
std::unique_ptr<CheckFactory> makeTcpCheckFactory();

}  // namespace ninevolt::checks
