#pragma once

// What the alerter-type tests share besides the receivers: a notification with every field
// set, an alerter made from YAML through the real config parser, and captured logs.

#include <memory>
#include <sstream>
#include <string>

#include <spdlog/spdlog.h>

#include "alerts/alerter.h"
#include "config/spec.h"

namespace ninevolt::alerts::testing {

// Every field set, distinct values, a non-ASCII character in the error.
Notification sampleNotification(NotificationKind kind = NotificationKind::kCritical);

// parseAlerter(name, YAML) (its problems fail the test and give nullopt).
std::optional<config::AlerterSpec> alerterSpec(const std::string& yaml,
                                               const std::string& name = "a1");

// `factory.create(spec of yaml)`; fails the test (nullptr) when either step fails.
std::unique_ptr<Alerter> makeAlerter(const AlerterFactory& factory, const std::string& yaml,
                                     const std::string& name = "a1");

// Everything logged (any level) while it lives, through spdlog's default logger.
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  std::string text() const;

 private:
  std::shared_ptr<std::ostringstream> out_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace ninevolt::alerts::testing
