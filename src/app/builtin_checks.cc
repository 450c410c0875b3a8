#include "app/builtin_checks.h"

namespace ninevolt::app {

std::shared_ptr<const checks::Registry> builtinChecks() {
  auto registry = std::make_shared<checks::Registry>();
  // Filled as the check types land (src/checks/<type>/).
  registry->freeze();
  return registry;
}

}  // namespace ninevolt::app
