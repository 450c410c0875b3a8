#include "common/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace ninevolt::common {

void setupLogging(bool debug) {
  auto logger = spdlog::stderr_color_mt("9volt");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%-5l%$ %v");
  logger->set_level(debug ? spdlog::level::debug : spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace ninevolt::common
