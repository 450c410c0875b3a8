#pragma once

// Internal to config: what parseMonitor does with the common fields after every field has
// been read: required ones, the timeout default and rules that involve more than one field.
// A type's own rules are in its folder (CheckTypeDef::finish).

#include "config/spec.h"
#include "config/values.h"

namespace ninevolt::config::detail {

void checkRequiredCommon(const FieldState& state, ProblemSink& sink);
void applyCommonRules(MonitorSpec& spec, const FieldState& state, ProblemSink& sink);

}  // namespace ninevolt::config::detail
