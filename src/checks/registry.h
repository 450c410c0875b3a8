#pragma once

#include <array>
#include <memory>

#include "checks/check.h"
#include "common/result.h"

namespace ninevolt::checks {

// Check type -> factory. Filled explicitly from main() (registerBuiltinChecks), then
// frozen: static self-registration silently disappears from static libraries, and a
// registry that changes while loops read it would need a lock on the hot path.
class Registry {
 public:
  void add(config::CheckType type, std::unique_ptr<CheckFactory> factory);
  void freeze() { frozen_ = true; }

  // nullptr when no factory is registered for the type.
  const CheckFactory* find(config::CheckType type) const;

  // A check for spec, or kInvalidArgument naming the type when it has no factory.
  Result<std::unique_ptr<Check>> create(const config::MonitorSpec& spec,
                                        boost::asio::io_context& io) const;

 private:
  std::array<std::unique_ptr<CheckFactory>, 4> factories_;
  bool frozen_ = false;
};

}  // namespace ninevolt::checks
