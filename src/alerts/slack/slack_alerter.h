#pragma once

#include <memory>

#include "alerts/alerter.h"
#include "alerts/transport/http_client.h"

namespace ninevolt::alerts::slack {

// `type: slack`: posts with the Web API (chat.postMessage at <api-url>, `Authorization:
// Bearer <token>`, to `channel`) or, with `webhook-url`, to an incoming webhook; the message
// is slack_message.h's. From main: registry.add("slack", makeSlackAlerterFactory({...})).
std::unique_ptr<AlerterFactory> makeSlackAlerterFactory(transport::ClientOptions options = {});

}  // namespace ninevolt::alerts::slack
