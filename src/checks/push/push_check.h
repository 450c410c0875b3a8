#pragma once

#include <memory>

#include "checks/check.h"

namespace ninevolt::checks::push {

// The "push" check type (a heartbeat): jobs push to /api/v1/push/<check> on any member
// (api/v1/push_routes.cc writes /9volt/push/<check>); the owner's check judges the last
// push against interval + grace. Its fields: push_type.h. For addBuiltinChecks
// (src/checks/builtin.h). Without context.store (`9volt check`), a run says it cannot judge.
std::unique_ptr<CheckFactory> makeFactory(const FactoryContext& context);

}  // namespace ninevolt::checks::push
