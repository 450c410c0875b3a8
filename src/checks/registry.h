#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checks/check.h"
#include "common/result.h"

namespace ninevolt::checks {

// Check type name -> factory. Filled explicitly from main() (addBuiltinChecks), then frozen:
// static self-registration silently disappears from static libraries, and a registry that
// changes while loops read it would need a lock on the hot path.
class Registry {
 public:
  // `type` is the config type name ("http"); adding a name twice replaces its factory.
  void add(std::string_view type, std::unique_ptr<CheckFactory> factory);
  void freeze() { frozen_ = true; }

  // nullptr when no factory is registered for the type.
  const CheckFactory* find(std::string_view type) const;

  // A check for spec, or kInvalidArgument naming the type when it has no factory.
  Result<std::unique_ptr<Check>> create(const config::SharedMonitor& spec,
                                        boost::asio::io_context& io) const;

 private:
  // A handful of types: a vector scan beats a map.
  std::vector<std::pair<std::string, std::unique_ptr<CheckFactory>>> factories_;
  bool frozen_ = false;
};

}  // namespace ninevolt::checks
