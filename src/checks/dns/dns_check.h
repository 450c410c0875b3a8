#pragma once

#include <memory>

#include "checks/check.h"

namespace ninevolt::checks {

// The factory for `type: dns` checks; main() adds it to the Registry. Each check asks
// spec.host:spec.port (the DNS server) over UDP on the given loop, retries over TCP when the
// answer is truncated, and judges the answer (see README.md and REFERENCE-9volt.md).
std::unique_ptr<CheckFactory> makeDnsCheckFactory();

}  // namespace ninevolt::checks
