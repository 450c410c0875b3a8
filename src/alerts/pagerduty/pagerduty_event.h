#pragma once

// The pure half of the pagerduty alerter: the Events API v2 event and how answers read.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "alerts/alerter.h"
#include "alerts/transport/http_client.h"
#include "common/result.h"

namespace ninevolt::alerts::pagerduty {

// "<prefix>/<check>": one PagerDuty alert per check, which every trigger of an incident and
// its resolve name, whichever member sends them. The prefix tells 9volt clusters sharing a
// PagerDuty service apart (main passes the etcd prefix, "9volt" by default); slashes around
// it are dropped, an empty one is "9volt". At most 255 bytes (the API's limit): longer keys
// are cut, the same way every time, so trigger and resolve still meet.
std::string dedupKey(std::string_view prefix, std::string_view check);

// Warning/critical: {"routing_key","event_action":"trigger","dedup_key","payload":{
//   "summary" (title: text — error, at most 1024 bytes),"source" (the target, else the
//   check),"severity" (warning|critical),"timestamp","component" (check),"class" (check
//   type),"custom_details" (every notification field)},"client","client_url","links"}.
// Resolve: {"routing_key","event_action":"resolve","dedup_key"}.
nlohmann::json pagerDutyEvent(const Notification& n, const std::string& routing_key,
                              const std::string& dedup_key);

// 202 (any 2xx) is delivered; 400 (an invalid event or routing key) is not retried; 429 and
// 5xx are (transport::judgeHttpStatus).
Result<void> judgeEnqueueReply(const transport::HttpResponse& response);

}  // namespace ninevolt::alerts::pagerduty
