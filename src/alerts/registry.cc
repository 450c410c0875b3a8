#include <cstdlib>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "alerts/alerter.h"

namespace ninevolt::alerts {

void AlerterRegistry::add(std::string type, std::unique_ptr<AlerterFactory> factory) {
  if (frozen_) {
    // A programming error in main(): fail loudly at start-up, never silently.
    spdlog::critical("alerts::AlerterRegistry::add after freeze()");
    std::abort();
  }
  factories_[std::move(type)] = std::move(factory);
}

std::vector<std::string> AlerterRegistry::types() const {
  std::vector<std::string> types;
  types.reserve(factories_.size());
  for (const auto& [type, factory] : factories_) {
    types.push_back(type);
  }
  return types;
}

Result<std::unique_ptr<Alerter>> AlerterRegistry::create(const config::AlerterSpec& spec) const {
  auto it = factories_.find(spec.type);
  if (it == factories_.end()) {
    return fail(Errc::kInvalidArgument,
                fmt::format("alerter '{}': no implementation for type '{}'", spec.name, spec.type));
  }
  return it->second->create(spec);
}

}  // namespace ninevolt::alerts
