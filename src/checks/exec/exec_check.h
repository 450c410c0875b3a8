#pragma once

#include <memory>

#include "checks/check.h"

namespace ninevolt::checks {

// The "exec" check type: runs `command` with `args` (no shell) in its own process group,
// captures stdout+stderr, kills the group on timeout. With plugin "nagios", the exit code and
// output follow the Nagios plugin conventions. Its fields: exec_type.h.
std::unique_ptr<CheckFactory> makeExecCheckFactory();

}  // namespace ninevolt::checks

namespace ninevolt::checks::exec {
// For addBuiltinChecks (src/checks/builtin.h).
std::unique_ptr<CheckFactory> makeFactory(const FactoryContext& context);
}  // namespace ninevolt::checks::exec
