#include "app/builtin_checks.h"

#include "checks/builtin.h"
#include "common/version.h"
#include "locations/judge_check.h"
#include "locations/judge_type.h"

namespace ninevolt::app {

std::shared_ptr<const checks::Registry> builtinChecks(const std::string& member_id,
                                                      std::shared_ptr<store::Store> store) {
  auto registry = std::make_shared<checks::Registry>();
  checks::FactoryContext context;
  context.user_agent = std::string("9volt/") + common::kSemVer;
  if (!member_id.empty()) {
    context.user_agent += " (member " + member_id + ")";
  }
  context.store = std::move(store);
  checks::addBuiltinChecks(*registry, context);
  // Not a type a monitor names: what judges a monitor's locations (docs/locations.md).
  registry->add(locations::kJudgeType, locations::makeJudgeFactory(context));
  registry->freeze();
  return registry;
}

}  // namespace ninevolt::app
