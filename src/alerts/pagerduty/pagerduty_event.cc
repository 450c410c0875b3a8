#include "alerts/pagerduty/pagerduty_event.h"

#include <fmt/format.h>

#include "alerts/transport/notification_format.h"
#include "alerts/transport/outcome.h"
#include "common/clock.h"

namespace ninevolt::alerts::pagerduty {
namespace {

using nlohmann::json;

constexpr size_t kMaxSummary = 1024;  // Events API v2: payload.summary
constexpr size_t kMaxDedupKey = 255;  // Events API v2: dedup_key

}  // namespace

std::string dedupKey(std::string_view prefix, std::string_view check) {
  while (!prefix.empty() && prefix.front() == '/') {
    prefix.remove_prefix(1);
  }
  while (!prefix.empty() && prefix.back() == '/') {
    prefix.remove_suffix(1);
  }
  std::string key = fmt::format("{}/{}", prefix.empty() ? "9volt" : prefix, check);
  if (key.size() > kMaxDedupKey) {
    key.resize(kMaxDedupKey);  // check names are ASCII ([A-Za-z0-9._-]), prefixes too
  }
  return key;
}

json pagerDutyEvent(const Notification& n, const std::string& routing_key,
                    const std::string& dedup_key) {
  // Stopped flapping while OK: nothing is wrong any more (stopped while failing: the
  // trigger below updates the same incident; the failure follows as its own trigger).
  // A storm digest saying every check of the storm recovered: that storm's incident resolves.
  const bool ended =
      (n.kind == NotificationKind::kFlappingStopped || n.kind == NotificationKind::kDigest)
      && n.status == "ok";
  if (n.kind == NotificationKind::kResolve || n.kind == NotificationKind::kAck || ended) {
    // An ack acknowledges the PagerDuty incident too (its own ack stops PagerDuty's
    // escalation; a reminder re-triggers the same dedup key: an update, not a new page).
    return json{{"routing_key", routing_key},
                {"event_action", n.kind == NotificationKind::kAck ? "acknowledge" : "resolve"},
                {"dedup_key", dedup_key}};
  }
  std::string summary = n.title + ": " + n.text;
  if (!n.error.empty()) {
    summary += " \u2014 " + n.error;
  }
  json event{
      {"routing_key", routing_key},
      {"event_action", "trigger"},
      {"dedup_key", dedup_key},
      {"payload",
       {
           {"summary", transport::truncateUtf8(summary, kMaxSummary)},
           {"source", n.target.empty() ? n.check : n.target},
           // A flapping check pages as a warning whatever state it is in at the moment.
           {"severity", n.status == "warning" || n.kind == NotificationKind::kFlapping
                            ? "warning"
                            : "critical"},
           {"timestamp", common::formatRfc3339(n.time)},
           {"component", n.check},
           {"class", n.check_type},
           {"custom_details", transport::notificationJson(n)},
       }},
      {"client", "9volt"},
  };
  if (!n.link.empty()) {
    event["client_url"] = n.link;
    event["links"] = json::array({json{{"href", n.link}, {"text", "9volt: " + n.check}}});
  }
  return event;
}

Result<void> judgeEnqueueReply(const transport::HttpResponse& response) {
  return transport::judgeHttpStatus(response, "pagerduty enqueue");
}

}  // namespace ninevolt::alerts::pagerduty
