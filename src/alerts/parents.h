#pragma once

// What a check's parents (depends-on, config/dependencies.h) say about it, as its owner and
// the API judge it: from the parent's state key, which its owner (any member) writes.

#include <string>

#include "common/result.h"
#include "store/store.h"

namespace ninevolt::alerts {

// The parent's status when it holds its children: "warning" or "critical" by its state key,
// while its monitor exists and is enabled (a disabled parent keeps its last state key; it
// must not hold its children for good). "" otherwise: OK, no state yet, deleted, disabled.
Result<std::string> failingParentStatus(store::Store& store, const std::string& parent);

}  // namespace ninevolt::alerts
