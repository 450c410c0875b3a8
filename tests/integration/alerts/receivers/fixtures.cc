#include "fixtures.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include "common/yaml_json.h"

namespace ninevolt::alerts::testing {

Notification sampleNotification(NotificationKind kind) {
  using namespace std::chrono;
  Notification n;
  n.kind = kind;
  n.transition_id = "web/7";
  n.check = "web";
  n.check_type = "http";
  n.description = "the shop's front page";
  n.target = "GET https://shop.example.com:443/health";
  n.status = kind == NotificationKind::kResolve ? "ok" : notificationKindName(kind);
  n.previous_status = kind == NotificationKind::kResolve ? "critical" : "ok";
  n.count = 3;
  n.title =
      kind == NotificationKind::kResolve ? "HTTP check 'web' recovery" : "HTTP check 'web' failure";
  n.text = kind == NotificationKind::kResolve
               ? "Check has recovered from critical state after 3 checks"
               : std::string("Check has entered into ") + n.status + " state after 3 checks";
  n.error = "HTTP 503 from 203.0.113.7 – expected 200";
  n.member_id = "3f1c9a2b";
  n.time = system_clock::time_point(seconds(1'795'000'000));
  n.failing_since = system_clock::time_point(seconds(1'794'999'940));
  n.link = "https://9volt.example.com/ui/#/check/web";
  return n;
}

std::optional<config::AlerterSpec> alerterSpec(const std::string& yaml, const std::string& name) {
  auto value = common::parseYaml(yaml);
  EXPECT_TRUE(value) << value.error().message;
  if (!value) {
    return std::nullopt;
  }
  config::Problems problems;
  auto spec = config::parseAlerter(name, *value, problems);
  for (const auto& p : problems) {
    ADD_FAILURE() << p.toString();
  }
  return spec;
}

std::unique_ptr<Alerter> makeAlerter(const AlerterFactory& factory, const std::string& yaml,
                                     const std::string& name) {
  auto spec = alerterSpec(yaml, name);
  if (!spec) {
    return nullptr;
  }
  auto alerter = factory.create(*spec);
  EXPECT_TRUE(alerter) << alerter.error().message;
  return alerter ? std::move(*alerter) : nullptr;
}

LogCapture::LogCapture()
    : out_(std::make_shared<std::ostringstream>()), previous_(spdlog::default_logger()) {
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*out_);
  auto logger = std::make_shared<spdlog::logger>("capture", sink);
  logger->set_level(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

LogCapture::~LogCapture() {
  spdlog::set_default_logger(previous_);
}

std::string LogCapture::text() const {
  spdlog::default_logger()->flush();
  return out_->str();
}

}  // namespace ninevolt::alerts::testing
