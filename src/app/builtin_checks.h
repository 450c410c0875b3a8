#pragma once

#include <memory>
#include <string>

#include "checks/registry.h"
#include "store/store.h"

namespace ninevolt::app {

// The registry with every check type this build has (checks::addBuiltinChecks), frozen.
// Adding a check type: src/checks/README.md.
// member_id, when set, goes into the http checks' User-Agent: "9volt/<version> (member <id>)".
// store: the cluster's etcd, for push checks (null in `9volt check`: they cannot judge).
std::shared_ptr<const checks::Registry> builtinChecks(
    const std::string& member_id = "", std::shared_ptr<store::Store> store = nullptr);

}  // namespace ninevolt::app
