// Monitor and alerter parsing from JSON (config/spec.h): the API's bodies (a document, or
// one object for PUT /api/v1/monitor/<name>) and the values the manager and director read
// from /9volt/monitor/ and /9volt/alerter/. Any input is accepted or rejected with problems;
// what is accepted respects the documented bounds and reads back the same from etcd.

#include "support/config_checks.h"

namespace fz = ninevolt::fuzz;
namespace config = ninevolt::config;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fz::quietLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto json = ninevolt::common::parseJson(fz::asText(data, size));
  if (!json) {
    return 0;
  }
  try {
    fz::parseDocument(*json);  // a document: {"monitor": {...}, "alerter": {...}}
    // One object, as stored in etcd (or a PUT body).
    config::Problems problems;
    auto m = config::parseMonitor("fuzz", *json, problems);
    fz::checkOutcome(m.has_value(), problems, "monitor 'fuzz'");
    if (m) {
      fz::checkMonitor(*m);
    }
    config::Problems alerter_problems;
    auto a = config::parseAlerter("fuzz", *json, alerter_problems);
    fz::checkOutcome(a.has_value(), alerter_problems, "alerter 'fuzz'");
    if (a) {
      fz::checkAlerter(*a);
    }
  } catch (const std::exception& e) {
    fz::violated("config parsing threw", e.what());
  }
  return 0;
}
