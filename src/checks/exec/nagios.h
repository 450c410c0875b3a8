#pragma once

#include <map>
#include <string>
#include <string_view>

#include "checks/result.h"

namespace ninevolt::checks::exec {

// Nagios plugin return codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; anything else UNKNOWN.
Status nagiosStatus(int exit_code);

// Plugin output per the Nagios plugin API:
//   TEXT | PERFDATA
//   LONG TEXT LINE 1
//   LONG TEXT LINE N | PERFDATA LINE 2
//   PERFDATA LINE 3
// message = TEXT (trimmed); perfdata = the values of both perfdata parts.
struct NagiosOutput {
  std::string message;
  std::map<std::string, double> perfdata;
};
NagiosOutput parseNagiosOutput(std::string_view output);

// Performance data: space-separated 'label'=value[UOM];[warn];[crit];[min];[max]. Labels may
// be single-quoted (quotes inside doubled: 'it''s'). The value keeps its number (a decimal
// comma is read as a point), loses its unit; undetermined ("U") and malformed items are
// skipped, so one bad item never hides the others.
std::map<std::string, double> parsePerfdata(std::string_view text);

}  // namespace ninevolt::checks::exec
