#pragma once

// Helpers of the incident rules' tests: what a step sends, and recording it as delivered.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "alerts/incident.h"

namespace ninevolt::alerts::testing {

// "pager:critical" for each delivery, in order.
inline std::vector<std::string> said(const std::vector<Delivery>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) {
    out.push_back(d.alerter + ":" + notificationKindName(d.kind));
  }
  return out;
}

// Records every delivery as delivered (each must be the alerter's newest).
inline void deliverAll(Incident& inc, const std::vector<Delivery>& ds) {
  for (const auto& d : ds) {
    ASSERT_TRUE(recordOutcome(inc, d.alerter, d.transition_id, true)) << d.transition_id;
  }
}

}  // namespace ninevolt::alerts::testing
