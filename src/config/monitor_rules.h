#pragma once

// Internal to config: what parseMonitor does after every field has been read: required
// fields, type-dependent defaults (port, timeout, dns expect) and rules that involve more
// than one field or a closed set of values.

#include <set>
#include <string_view>

#include "config/spec.h"
#include "config/values.h"

namespace ninevolt::config::detail {

struct FieldState {
  std::set<std::string_view> written;  // present, non-null and read without a problem
  std::set<std::string_view> bad;      // present but already reported
  bool ok(std::string_view f) const { return bad.count(f) == 0; }
  bool has(std::string_view f) const { return written.count(f) != 0; }
};

void checkRequired(const MonitorSpec& spec, const FieldState& state, ProblemSink& sink);
void applyCommonRules(MonitorSpec& spec, const FieldState& state, ProblemSink& sink);
void applyTypeRules(MonitorSpec& spec, const FieldState& state, ProblemSink& sink);

}  // namespace ninevolt::config::detail
