#include "app/builtin_alerters.h"

#include "alerts/email/email_alerter.h"
#include "alerts/pagerduty/pagerduty_alerter.h"
#include "alerts/slack/slack_alerter.h"
#include "alerts/webhook/webhook_alerter.h"
#include "common/version.h"

namespace ninevolt::app {

std::shared_ptr<const alerts::AlerterRegistry> builtinAlerters(const std::string& member_id,
                                                               const std::string& prefix) {
  auto registry = std::make_shared<alerts::AlerterRegistry>();
  alerts::transport::ClientOptions client;
  client.user_agent = std::string("9volt/") + common::kSemVer;
  if (!member_id.empty()) {
    client.user_agent += " (member " + member_id + ")";
  }
  std::string dedup = prefix;
  while (!dedup.empty() && dedup.front() == '/') {
    dedup.erase(dedup.begin());
  }
  registry->add("slack", alerts::slack::makeSlackAlerterFactory(client));
  registry->add("pagerduty",
                alerts::pagerduty::makePagerDutyAlerterFactory(
                    {.client = client, .dedup_prefix = dedup.empty() ? "9volt" : dedup}));
  registry->add("email", alerts::email::makeEmailAlerterFactory());
  registry->add("webhook", alerts::webhook::makeWebhookAlerterFactory(client));
  registry->freeze();
  return registry;
}

}  // namespace ninevolt::app
