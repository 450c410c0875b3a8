#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "store/guarded_write.h"
#include "store/store.h"
#include "store/storm.h"

namespace ninevolt::store {

// A storm record as read from etcd, with the revision a write must compare against.
struct StoredStorm {
  std::optional<StormRecord> record;  // nullopt: no key (or an unreadable value, reported)
  int64_t mod_revision = 0;           // 0 = absent
};

// Reads and writes /9volt/storm/<alerter> with compare-and-swap: every member passes its
// notifications through the same record.
class StormStore {
 public:
  explicit StormStore(std::shared_ptr<Store> store) : store_(std::move(store)) {}

  Result<StoredStorm> load(const std::string& alerter);
  // Every alerter's record (they are few: one per alerter that alerted lately).
  Result<std::map<std::string, StoredStorm>> loadAll();
  // Writes `record` (nullopt: deletes the key) if the key is still at `expected` (0 = must
  // be absent), and `also` in the same txn if its guard holds too (an incident that records
  // the digest carrying its notification: both or neither). Errc::kConflict when someone
  // else wrote either meanwhile.
  Result<void> save(const std::string& alerter, const std::optional<StormRecord>& record,
                    int64_t expected, const std::optional<GuardedWrite>& also = std::nullopt);

 private:
  StoredStorm decode(const std::string& alerter, const etcd::KeyValue& kv) const;
  std::shared_ptr<Store> store_;
};

}  // namespace ninevolt::store
