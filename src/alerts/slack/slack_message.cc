#include "alerts/slack/slack_message.h"

#include <chrono>

#include <fmt/format.h>

#include "alerts/transport/notification_format.h"
#include "alerts/transport/outcome.h"
#include "common/clock.h"
#include "common/json_fields.h"

namespace ninevolt::alerts::slack {
namespace {

using nlohmann::json;

// Field values stay well under Slack's limits (a message may be ~40k characters; longer
// is refused with msg_too_long, which would lose the alert).
constexpr size_t kMaxValue = 2000;

// Slack reads &, < and > as markup (links, mentions); everything we send is plain text.
std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string value(std::string_view text) {
  return escape(transport::truncateUtf8(text.empty() ? "-" : text, kMaxValue));
}

const char* colour(const Notification& n) {
  switch (n.kind) {
    case NotificationKind::kResolve:
      return "good";
    case NotificationKind::kAck:
      return "#439FE0";  // blue: someone is on it
    case NotificationKind::kReminder:
      return n.status == "warning" ? "warning" : "danger";
    case NotificationKind::kWarning:
      return "warning";
    case NotificationKind::kCritical:
      return "danger";
    case NotificationKind::kFlapping:
      return "#9C27B0";  // purple: neither up nor down
    case NotificationKind::kFlappingStopped:
    case NotificationKind::kDigest:  // a storm: its worst level, or over
      return n.status == "ok" ? "good" : n.status == "warning" ? "warning" : "danger";
  }
  return "danger";
}

json field(std::string_view title, std::string_view text, bool is_short) {
  return json{{"title", title}, {"value", value(text)}, {"short", is_short}};
}

// Slack errors a retry can get past; the rest are about the token, channel or payload.
bool retryableError(std::string_view error) {
  return error == "ratelimited" || error == "rate_limited" || error == "internal_error"
         || error == "service_unavailable" || error == "fatal_error" || error == "request_timeout";
}

}  // namespace

json slackMessage(const Notification& n, const MessageOptions& options) {
  json fields = json::array({
      field("Check Description", n.description, false),
      field("Error Details", n.error, false),
      field("Check", n.check, true),
      field("Type", n.check_type, true),
      field("Target", n.target, false),
      field("Status",
            n.previous_status.empty() ? n.status
                                      : fmt::format("{} (was {})", n.status, n.previous_status),
            true),
      field("Count", std::to_string(n.count), true),
      field("Member", n.member_id, true),
      field("Time", common::formatRfc3339(n.time), true),
  });
  if (!n.link.empty()) {
    fields.push_back(field("Link", n.link, false));
  }
  if (!n.ack_link.empty()) {
    fields.push_back(field("Acknowledge", n.ack_link, false));
  }
  json attachment{
      {"fallback", escape(transport::truncateUtf8(n.title + ": " + n.text, kMaxValue))},
      {"color", colour(n)},
      {"title", escape(n.title)},
      {"text", escape(n.text)},
      {"fields", std::move(fields)},
      {"footer", "9volt"},
      {"ts", std::chrono::duration_cast<std::chrono::seconds>(n.time.time_since_epoch()).count()},
  };
  if (!n.link.empty()) {
    attachment["title_link"] = n.link;
  }
  json message{{"username", options.username}, {"attachments", json::array({attachment})}};
  if (!options.channel.empty()) {
    message["channel"] = options.channel;
  }
  if (!options.icon_url.empty()) {
    message["icon_url"] = options.icon_url;
  }
  return message;
}

Result<void> judgeWebApiReply(const transport::HttpResponse& response) {
  if (response.status < 200 || response.status >= 300) {
    return transport::judgeHttpStatus(response, "slack chat.postMessage");
  }
  json reply = json::parse(response.body, nullptr, false);
  if (!reply.is_object() || !reply.contains("ok") || !reply["ok"].is_boolean()) {
    return fail(Errc::kInvalidArgument,
                fmt::format("slack chat.postMessage: HTTP {} but not Slack's answer (is api-url "
                            "right?): {}",
                            response.status, transport::excerpt(response.body)));
  }
  if (reply["ok"].get<bool>()) {
    return {};
  }
  // A reply from the network: a non-string "error" must not throw (as value() would).
  std::string error = common::stringField(reply, "error", "unknown");
  std::string message = fmt::format("slack chat.postMessage: ok=false, error {}", error);
  if (reply.contains("needed") && reply["needed"].is_string()) {
    message += fmt::format(" (needs scope {})", reply["needed"].get<std::string>());
  }
  if (!response.retry_after.empty()) {
    message += fmt::format(", retry after {} s", transport::excerpt(response.retry_after, 20));
  }
  return fail(retryableError(error) ? Errc::kUnavailable : Errc::kInvalidArgument,
              std::move(message));
}

Result<void> judgeWebhookReply(const transport::HttpResponse& response) {
  return transport::judgeHttpStatus(response, "slack incoming webhook");
}

}  // namespace ninevolt::alerts::slack
