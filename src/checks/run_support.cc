#include "checks/run_support.h"

#include <exception>

#include <spdlog/spdlog.h>

namespace ninevolt::checks {

void report(Check::DoneFn done, CheckResult result, std::string_view type,
            const std::string& check) {
  if (!done) {
    return;
  }
  try {
    done(std::move(result));
  } catch (const std::exception& e) {
    spdlog::error("{} check '{}': done callback threw: {}", type, check, e.what());
  } catch (...) {
    spdlog::error("{} check '{}': done callback threw", type, check);
  }
}

}  // namespace ninevolt::checks
