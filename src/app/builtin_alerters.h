#pragma once

#include <memory>
#include <string>

#include "alerts/alerter.h"

namespace ninevolt::app {

// The alerter types this binary has (slack, pagerduty, email, webhook), frozen. Requests
// carry "9volt/<version> (member <id>)" as User-Agent; PagerDuty dedup keys start with the
// etcd prefix, so two clusters on one service never resolve each other's incidents.
std::shared_ptr<const alerts::AlerterRegistry> builtinAlerters(const std::string& member_id,
                                                               const std::string& prefix);

}  // namespace ninevolt::app
