#pragma once

#include <string>

#include <spdlog/spdlog.h>

namespace ninevolt::common {

// Sets up the process-wide spdlog logger: stderr, "time level [component] message".
// debug=true lowers the level to debug. Call once from main() before any thread starts.
void setupLogging(bool debug);

}  // namespace ninevolt::common
