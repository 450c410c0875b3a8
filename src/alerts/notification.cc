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
  const FollowUpId follow_up = followUpOf(delivery.transition_id);
  const auto failing_for = std::chrono::duration_cast<common::Nanos>(
      std::chrono::floor<std::chrono::seconds>(incident.updated - incident.opened));
  const char* what = "failure";
  switch (delivery.kind) {
    case NotificationKind::kResolve:
      what = "recovery";  // the original titled its resolves "... failure" too
      n.status = "ok";
      n.text =
          fmt::format("Check has recovered from {} state after {} checks", failing, incident.count);
      break;
    case NotificationKind::kAck:
      what = "acknowledged";
      n.status = failing;
      n.acked_by = incident.ack ? incident.ack->by : "";
      n.ack_comment = incident.ack ? incident.ack->comment : "";
      n.text = fmt::format("{} state acknowledged by {}{}", failing,
                           n.acked_by.empty() ? "someone" : n.acked_by,
                           n.ack_comment.empty() ? "" : ": " + n.ack_comment);
      break;
    case NotificationKind::kReminder:
      what = "still failing";
      n.status = failing;
      n.text = fmt::format("Check has been in {} state for {} (reminder {})", failing,
                           common::formatDuration(failing_for), follow_up.n);
      break;
    case NotificationKind::kFlapping:
      what = "flapping";
      n.status = std::string(state::stateName(incident.status));
      n.text = fmt::format(
          "Check is flapping: {:.0f}% of its last 21 runs changed state; no alert per change "
          "until it settles (it is {} now)",
          incident.flapping ? incident.flapping->percent : 0.0, n.status);
      break;
    case NotificationKind::kFlappingStopped:
      what = "stopped flapping";
      n.status = std::string(state::stateName(incident.status));
      n.text = fmt::format("Check has stopped flapping and is {} now", n.status);
      break;
    case NotificationKind::kDigest:  // made by storm.h, never for one check
    case NotificationKind::kWarning:
    case NotificationKind::kCritical:
      n.status = delivery.kind == NotificationKind::kWarning ? "warning" : "critical";
      n.text = follow_up.what == "escalation"
                   ? fmt::format(
                       "Check has been in {} state for {}, unacknowledged: escalated "
                       "(the step after {})",
                       n.status, common::formatDuration(failing_for), follow_up.arg)
                   : fmt::format("Check has entered into {} state after {} checks", n.status,
                                 incident.count);
      break;
  }
  n.title = fmt::format("{} check '{}' {}", upper(check.type), check.name, what);
  n.previous_status = delivery.previous_status;
  n.count = incident.count;
  n.error = incident.error;
  n.member_id = member_id;
  n.time = incident.updated;
  n.failing_since = incident.opened;
  n.link = externalLink(external_url, "/ui/#/check/" + check.name);  // the UI routes by its hash
  return n;
}

std::string externalLink(std::string_view external_url, std::string_view path) {
  if (external_url.empty()) {
    return "";
  }
  while (!external_url.empty() && external_url.back() == '/') {
    external_url.remove_suffix(1);
  }
  return std::string(external_url) + std::string(path);
}

}  // namespace ninevolt::alerts
