#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/guarded_write.h"
#include "store/incident.h"
#include "store/store.h"

namespace ninevolt::store {

// An incident as read from etcd, with the revision a write must compare against.
struct StoredIncident {
  std::optional<Incident> incident;  // nullopt: no key (or an unreadable value, logged)
  int64_t mod_revision = 0;          // 0 = absent
};

// Reads and writes /9volt/incident/<check> with compare-and-swap, so two writers (an old
// and a new owner, or a late delivery outcome) never overwrite each other blindly.
class IncidentStore {
 public:
  explicit IncidentStore(std::shared_ptr<Store> store) : store_(std::move(store)) {}

  Result<StoredIncident> load(const std::string& check);
  // Several at once: one prefix read when many are asked (incidents are few: only
  // checks that are failing or have resolves in flight have one).
  Result<std::map<std::string, StoredIncident>> loadMany(const std::vector<std::string>& checks);
  // Writes `incident` (nullopt: deletes the key) if the key is still at `expected`
  // (0 = must be absent). Errc::kConflict when someone else wrote meanwhile.
  Result<int64_t> save(const std::string& check, const std::optional<Incident>& incident,
                       int64_t expected);
  // The same write, to go into another txn (a storm record's: store/storm_store.h).
  GuardedWrite write(const std::string& check, const std::optional<Incident>& incident,
                     int64_t expected) const;

  // Acknowledges the check's open incident (`incident_id` "" = whichever is open; else only
  // that one: an ack link's): `ack`'s by, comment and expires. A new ack (none, or the last
  // one ended) gets the next n and is announced by the owner; acking an acked incident
  // again updates it without a second announcement. Rings the owner's doorbell in the same
  // txn. Errc::kNotFound when there is no open incident (or not that one).
  Result<Incident> acknowledge(const std::string& check, Ack ack, const std::string& incident_id,
                               common::SystemTime now);
  // Ends the open incident's ack now (reminders and escalation go on); false when it had
  // none in force. Errc::kNotFound when there is no open incident.
  Result<bool> unacknowledge(const std::string& check, common::SystemTime now);

 private:
  StoredIncident decode(const std::string& check, const etcd::KeyValue& kv) const;
  // Writes the incident at `expected` and rings the owner's doorbell, in one txn.
  Result<void> saveAndRing(const std::string& check, const Incident& incident, int64_t expected);
  std::shared_ptr<Store> store_;
};

}  // namespace ninevolt::store
