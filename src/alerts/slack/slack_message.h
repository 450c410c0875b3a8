#pragma once

// The pure half of the slack alerter: the message it posts and how Slack's answers read.

#include <string>

#include <nlohmann/json.hpp>

#include "alerts/alerter.h"
#include "alerts/transport/http_client.h"
#include "common/result.h"

namespace ninevolt::alerts::slack {

struct MessageOptions {
  std::string channel;  // "" for an incoming webhook (it posts to its own channel)
  std::string username = "9volt-bot";
  std::string icon_url;  // "" = none
};

// chat.postMessage / incoming-webhook JSON: one attachment coloured by kind ("good" green
// for resolve, "warning" orange, "danger" red) with the original's fields "Check
// Description" and "Error Details", then check, type, target, status, count, member, time
// and link. Text is escaped for Slack (& < >) and long values are cut.
nlohmann::json slackMessage(const Notification& n, const MessageOptions& options);

// A chat.postMessage answer. Slack says errors with HTTP 200 and {"ok":false,"error":...}:
// ratelimited, internal_error, service_unavailable, fatal_error, request_timeout are worth
// retrying (kUnavailable); every other error (invalid_auth, channel_not_found,
// not_in_channel, missing_scope, ...) is not (kInvalidArgument). HTTP 429 and 5xx are
// retried, other non-2xx statuses are not; a 200 that is not Slack's JSON is not either.
Result<void> judgeWebApiReply(const transport::HttpResponse& response);

// An incoming webhook's answer: 200 ("ok") is delivered; errors are HTTP statuses with a
// text body (400 invalid_payload, 403 action_prohibited, 404 channel_not_found, 410
// channel_is_archived): 429 and 5xx retried, the rest not.
Result<void> judgeWebhookReply(const transport::HttpResponse& response);

}  // namespace ninevolt::alerts::slack
