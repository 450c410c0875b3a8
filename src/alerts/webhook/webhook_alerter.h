#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "alerts/alerter.h"
#include "alerts/transport/http_client.h"

namespace ninevolt::alerts::webhook {

// `type: webhook`: the notification as a JSON document (docs/alerters.md, "webhook") sent
// with the alerter's method to its url; any 2xx is delivered. From main:
// registry.add("webhook", makeWebhookAlerterFactory({.user_agent = ...})).
std::unique_ptr<AlerterFactory> makeWebhookAlerterFactory(transport::ClientOptions options = {});

// The request body: notificationJson() plus "alerter": the alerter's name.
std::string webhookBody(const Notification& n, std::string_view alerter_name);

// "sha256=<lower-case hex HMAC-SHA256 of body keyed with secret>": the X-9volt-Signature
// value a receiver recomputes to know the request came from someone holding the secret.
std::string webhookSignature(std::string_view secret, std::string_view body);

}  // namespace ninevolt::alerts::webhook
