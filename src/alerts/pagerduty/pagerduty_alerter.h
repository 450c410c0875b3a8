#pragma once

#include <memory>
#include <string>

#include "alerts/alerter.h"
#include "alerts/transport/http_client.h"

namespace ninevolt::alerts::pagerduty {

struct PagerDutyOptions {
  transport::ClientOptions client;
  // First part of every dedup_key ("<prefix>/<check>"): main passes the etcd prefix, so two
  // 9volt clusters on one PagerDuty service do not resolve each other's alerts.
  std::string dedup_prefix = "9volt";
};

// `type: pagerduty`: Events API v2, `POST <api-url>/v2/enqueue` (default
// https://events.pagerduty.com) with the event of pagerduty_event.h; `routing-key` (or the
// original's `token`, the same key). From main:
// registry.add("pagerduty", makePagerDutyAlerterFactory({...})).
std::unique_ptr<AlerterFactory> makePagerDutyAlerterFactory(PagerDutyOptions options = {});

}  // namespace ninevolt::alerts::pagerduty
