#include "app/builtin_checks.h"

#include "checks/dns/dns_check.h"
#include "checks/exec/exec_check.h"
#include "checks/http/http_check.h"
#include "checks/tcp/tcp_check.h"
#include "common/version.h"

namespace ninevolt::app {

std::shared_ptr<const checks::Registry> builtinChecks(const std::string& member_id) {
  auto registry = std::make_shared<checks::Registry>();
  checks::http::HttpOptions http;
  http.user_agent = std::string("9volt/") + common::kSemVer;
  if (!member_id.empty()) {
    http.user_agent += " (member " + member_id + ")";
  }
  registry->add(config::CheckType::kHttp, checks::http::makeHttpCheckFactory(http));
  registry->add(config::CheckType::kTcp, checks::makeTcpCheckFactory());
  registry->add(config::CheckType::kDns, checks::makeDnsCheckFactory());
  registry->add(config::CheckType::kExec, checks::makeExecCheckFactory());
  registry->freeze();
  return registry;
}

}  // namespace ninevolt::app
