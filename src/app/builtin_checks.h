#pragma once

#include <memory>

#include "checks/registry.h"

namespace ninevolt::app {

// The registry with every built-in check type (http, tcp, dns, exec), frozen. Adding a
// check type = one folder under src/checks + one line in builtin_checks.cc.
std::shared_ptr<const checks::Registry> builtinChecks();

}  // namespace ninevolt::app
