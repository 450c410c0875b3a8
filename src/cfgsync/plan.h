#pragma once

#include <string>
#include <vector>

#include "cfgsync/loader.h"
#include "store/store.h"

namespace ninevolt::cfgsync {

// What `9volt cfg` will do to one object.
struct PlanItem {
  enum Action { kAdd, kUpdate, kDelete, kUnchanged, kRewrite };
  Action action = kUnchanged;
  store::ConfigKind kind = store::ConfigKind::kMonitor;
  std::string name;
  std::vector<std::string> changed_fields;  // kUpdate: top-level fields (options.x for alerters)
  std::string value;                        // JSON text to write (kAdd/kUpdate/kRewrite)
  int64_t mod_revision = 0;                 // of the stored object (0 when absent)

  bool writes() const { return action != kUnchanged; }
  std::string describe() const;  // "update monitor 'web': interval, timeout"
};

struct PlanOptions {
  bool sync = true;      // delete stored objects that no local file has
  bool replace = false;  // rewrite unchanged objects too
};

// Compares the local set with what etcd holds. Items are sorted by kind then name.
std::vector<PlanItem> makePlan(const LoadedSet& local, const store::ConfigSnapshot& stored,
                               const PlanOptions& options);

// The writes of a plan, each guarded by the revision it was planned against, so a
// concurrent change makes the apply fail instead of being overwritten.
std::vector<store::ConfigChange> changesOf(const std::vector<PlanItem>& plan);

}  // namespace ninevolt::cfgsync
