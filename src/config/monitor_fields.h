#pragma once

// Internal to config: the common monitor fields, those every check type accepts. A type's
// own fields are in its folder (src/checks/<type>/<type>_type.cc). Unknown-field detection,
// "did you mean", required checks, monitorFields() and the API's field list read this table
// and the type's.

#include <span>
#include <string_view>

#include "config/spec.h"
#include "config/type_fields.h"

namespace ninevolt::config::detail {

// Without `type`, which parseMonitor reads first because it decides the other fields.
std::span<const Field<MonitorSpec>> commonFieldTable();
const Field<MonitorSpec>* findCommonField(std::string_view name);

}  // namespace ninevolt::config::detail
