#include "app/builtin_checks.h"

#include "checks/dns/dns_check.h"
#include "checks/exec/exec_check.h"
#include "checks/http/http_check.h"
#include "checks/tcp/tcp_check.h"

namespace ninevolt::app {

std::shared_ptr<const checks::Registry> builtinChecks() {
  auto registry = std::make_shared<checks::Registry>();
  registry->add(config::CheckType::kHttp, checks::http::makeHttpCheckFactory());
  registry->add(config::CheckType::kTcp, checks::makeTcpCheckFactory());
  registry->add(config::CheckType::kDns, checks::makeDnsCheckFactory());
  registry->add(config::CheckType::kExec, checks::makeExecCheckFactory());
  registry->freeze();
  return registry;
}

}  // namespace ninevolt::app
