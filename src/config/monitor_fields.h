#pragma once

// Internal to config: the one table of monitor fields. Unknown-field detection, "did you
// mean", "does not apply to type", required checks and monitorFields() all read it, so a
// new field is one line here plus a member in MonitorSpec.

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/spec.h"

namespace ninevolt::config::detail {

// Bit per check type, for "which types accept / require this field".
enum TypeBits : unsigned {
  kHttpBit = 1U << 0,
  kTcpBit = 1U << 1,
  kDnsBit = 1U << 2,
  kExecBit = 1U << 3,
  kAllBits = kHttpBit | kTcpBit | kDnsBit | kExecBit,
};
unsigned typeBit(CheckType type);

// Where a field's value goes; the member's type decides how the JSON value is read.
// monostate = handled by parseMonitor itself (only `type`).
using Target = std::variant<std::monostate, std::string MonitorSpec::*, bool MonitorSpec::*,
                            int MonitorSpec::*, int64_t MonitorSpec::*, Nanos MonitorSpec::*,
                            std::optional<Nanos> MonitorSpec::*, std::optional<int> MonitorSpec::*,
                            std::vector<std::string> MonitorSpec::*,
                            std::map<std::string, std::string> MonitorSpec::*>;

struct MonitorField {
  std::string_view name;
  unsigned types;         // types that accept it
  unsigned required_for;  // types that require it (absent, null or "" is a problem)
  Target target;
  // Integer bounds (ignored for other kinds).
  int64_t min = std::numeric_limits<int>::min();
  int64_t max = std::numeric_limits<int>::max();
};

std::span<const MonitorField> monitorFieldTable();
const MonitorField* findMonitorField(std::string_view name);

inline constexpr std::array<CheckType, 4> kAllCheckTypes{CheckType::kHttp, CheckType::kTcp,
                                                         CheckType::kDns, CheckType::kExec};

}  // namespace ninevolt::config::detail
