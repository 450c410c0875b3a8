#include "alerts/notification.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace ninevolt::alerts {
namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

}  // namespace

CheckInfo checkInfoOf(const config::MonitorSpec& spec) {
  return CheckInfo{spec.name,
                   std::string(spec.typeName()),
                   spec.description,
                   spec.type != nullptr ? spec.type->target(spec) : std::string(),
                   spec.warning_alerter,
                   spec.critical_alerter};
}

Notification makeNotification(const CheckInfo& check, const Incident& incident,
                              const Delivery& delivery, const std::string& member_id,
                              const std::string& external_url) {
  Notification n;
  n.kind = delivery.kind;
  n.transition_id = delivery.transition_id;
  n.check = check.name;
  n.check_type = check.type;
  n.description = check.description;
  n.target = check.target;
  const std::string failing(state::stateName(incident.last_failing));
  // The original titled its resolves "... failure" too; a resolve says what it is.
  n.title = fmt::format("{} check '{}' {}", upper(check.type), check.name,
                        delivery.kind == NotificationKind::kResolve ? "recovery" : "failure");
  if (delivery.kind == NotificationKind::kResolve) {
    n.status = "ok";
    n.text =
        fmt::format("Check has recovered from {} state after {} checks", failing, incident.count);
  } else {
    n.status = notificationKindName(delivery.kind);
    n.text =
        fmt::format("Check has entered into {} state after {} checks", n.status, incident.count);
  }
  n.previous_status = delivery.previous_status;
  n.count = incident.count;
  n.error = incident.error;
  n.member_id = member_id;
  n.time = incident.updated;
  n.failing_since = incident.opened;
  if (!external_url.empty()) {
    std::string base = external_url;
    while (!base.empty() && base.back() == '/') {
      base.pop_back();
    }
    n.link = base + "/ui/checks/" + check.name;
  }
  return n;
}

}  // namespace ninevolt::alerts
