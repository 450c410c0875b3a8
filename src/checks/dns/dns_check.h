#pragma once

#include <memory>

#include "checks/check.h"

namespace ninevolt::checks {

// The factory for `type: dns` checks; main() adds it to the Registry. Each check asks
// spec.host:spec.port (the DNS server) over UDP on the given loop, retries over TCP when the
// answer is truncated, and judges the answer (see README.md and REFERENCE-9volt.md).
// Its fields: dns_type.h.
std::unique_ptr<CheckFactory> makeDnsCheckFactory();

}  // namespace ninevolt::checks

namespace ninevolt::checks::dns {
// For addBuiltinChecks (src/checks/builtin.h).
std::unique_ptr<CheckFactory> makeFactory(const FactoryContext& context);
}  // namespace ninevolt::checks::dns
