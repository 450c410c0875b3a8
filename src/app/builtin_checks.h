#pragma once

#include <memory>
#include <string>

#include "checks/registry.h"

namespace ninevolt::app {

// The registry with every built-in check type (http, tcp, dns, exec), frozen. Adding a
// check type = one folder under src/checks + one line in builtin_checks.cc.
// member_id, when set, goes into the http checks' User-Agent: "9volt/<version> (member <id>)".
std::shared_ptr<const checks::Registry> builtinChecks(const std::string& member_id = "");

}  // namespace ninevolt::app
