#pragma once

#include <memory>
#include <string>

#include "checks/registry.h"

namespace ninevolt::app {

// The registry with every check type this build has (checks::addBuiltinChecks), frozen.
// Adding a check type: src/checks/README.md.
// member_id, when set, goes into the http checks' User-Agent: "9volt/<version> (member <id>)".
std::shared_ptr<const checks::Registry> builtinChecks(const std::string& member_id = "");

}  // namespace ninevolt::app
