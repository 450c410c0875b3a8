#pragma once

#include "checks/check.h"
#include "checks/registry.h"

namespace ninevolt::checks {

// Adds a factory for every check type this build has (NINEVOLT_CHECK_TYPES). Defined in a
// file src/checks/CMakeLists.txt generates; link ninevolt::checks_builtin.
void addBuiltinChecks(Registry& registry, const FactoryContext& context);

}  // namespace ninevolt::checks
