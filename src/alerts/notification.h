#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "alerts/alerter.h"
#include "alerts/incident.h"
#include "config/spec.h"

namespace ninevolt::alerts {

// What the dispatcher keeps of a monitor to alert about it (read from etcd when a state
// changes, so nothing per check stays in memory).
struct CheckInfo {
  std::string name;
  std::string type;
  std::string description;
  std::string target;
  std::vector<std::string> warning_alerter;
  std::vector<std::string> critical_alerter;
};
CheckInfo checkInfoOf(const config::MonitorSpec& spec);

// `path` under --external-url ("https://9v.example/" + "/ui/#/check/web", one slash between),
// or "" when there is none: the links in messages.
std::string externalLink(std::string_view external_url, std::string_view path);

// The message for one delivery of an incident, with the original's title and texts:
// "HTTP check 'web' failure"; "Check has entered into critical state after 3 checks";
// "Check has recovered from critical state after 3 checks" (titled "... recovery").
Notification makeNotification(const CheckInfo& check, const Incident& incident,
                              const Delivery& delivery, const std::string& member_id,
                              const std::string& external_url);

}  // namespace ninevolt::alerts
