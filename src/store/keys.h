#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace ninevolt::store {

// 9volt's etcd key layout (DESIGN.md "etcd layout"). Every key string 9volt uses is built
// here and nowhere else. The prefix is given as the original's `-p 9volt` (slashes
// optional): "9volt", "/9volt" and "/9volt/" all mean keys under "/9volt/".
class Keys {
 public:
  explicit Keys(std::string_view prefix);

  const std::string& root() const { return root_; }  // "/9volt"

  std::string monitorPrefix() const { return root_ + "/monitor/"; }
  std::string monitor(std::string_view name) const { return monitorPrefix() + std::string(name); }
  std::string alerterPrefix() const { return root_ + "/alerter/"; }
  std::string alerter(std::string_view name) const { return alerterPrefix() + std::string(name); }

  // A maintenance window (config/maintenance.h), stored as written like monitors.
  std::string maintenancePrefix() const { return root_ + "/maintenance/"; }
  std::string maintenance(std::string_view name) const {
    return maintenancePrefix() + std::string(name);
  }

  std::string clusterConfig() const { return root_ + "/config"; }
  std::string membersPrefix() const { return root_ + "/cluster/members/"; }
  std::string member(std::string_view id) const { return membersPrefix() + std::string(id); }
  std::string director() const { return root_ + "/cluster/director"; }
  std::string allAssignmentsPrefix() const { return root_ + "/cluster/assignments/"; }
  std::string assignmentsPrefix(std::string_view member_id) const {
    return allAssignmentsPrefix() + std::string(member_id) + "/";
  }
  std::string assignmentShard(std::string_view member_id, std::string_view shard) const {
    return assignmentsPrefix(member_id) + std::string(shard);
  }
  std::string digestPrefix() const { return root_ + "/cluster/digest/"; }
  // A member's summary (cluster/state_publisher.h), on its lease.
  std::string memberSummary(std::string_view member_id) const {
    return digestPrefix() + std::string(member_id) + "/summary";
  }
  // The director's compaction record {"member", "unix"}: its mod_revision is the revision
  // the next compaction goes to (cluster/compactor.h).
  std::string compaction() const { return root_ + "/cluster/compaction"; }
  // The director's last call of the cluster's watchdog URL {"member", "unix"}
  // (cluster/watchdog.h), written (fenced) before each call.
  std::string watchdog() const { return root_ + "/cluster/watchdog"; }

  std::string statePrefix() const { return root_ + "/state/"; }
  // A check's state; a location replica's (`<check>@<location>`, config/locations.h) is under
  // locationStatePrefix(), so listing the checks' states never walks their replicas.
  std::string state(std::string_view check) const {
    return (check.find('@') == std::string_view::npos ? statePrefix() : locationStatePrefix())
           + std::string(check);
  }
  // The states of a check's replicas, one key per location: `<check>@<location>`.
  std::string locationStatePrefix() const { return root_ + "/location-state/"; }
  std::string locationStates(std::string_view check) const {
    return locationStatePrefix() + std::string(check) + "@";
  }
  // The monitor an assignment entry runs: a replica's (`web@eu-west`) is its check's.
  static std::string_view monitorNameOf(std::string_view entry) {
    return entry.substr(0, entry.find('@'));
  }
  std::string incidentPrefix() const { return root_ + "/incident/"; }
  std::string incident(std::string_view check) const {
    return incidentPrefix() + std::string(check);
  }
  // A push check's last push (store/push.h).
  std::string pushPrefix() const { return root_ + "/push/"; }
  std::string push(std::string_view check) const { return pushPrefix() + std::string(check); }
  // An alerter's alert-storm record (store/storm.h).
  std::string stormPrefix() const { return root_ + "/storm/"; }
  std::string storm(std::string_view alerter) const { return stormPrefix() + std::string(alerter); }
  // Confirmations (store/confirm.h): requests to a member, answers to the asker.
  std::string confirmRequests(std::string_view to) const {
    return root_ + "/confirm/request/" + std::string(to) + "/";
  }
  std::string confirmAnswers(std::string_view from) const {
    return root_ + "/confirm/answer/" + std::string(from) + "/";
  }
  // An operator's silence (store/silence.h).
  std::string silencePrefix() const { return root_ + "/silence/"; }
  std::string silence(std::string_view id) const { return silencePrefix() + std::string(id); }
  // A doorbell: an incident's ack changed (store/incident_store.h); the check's owner reads
  // the incident, acts, and deletes it. On a lease of a day (a check nobody owns any more).
  std::string ackPrefix() const { return root_ + "/ack/"; }
  std::string ack(std::string_view check) const { return ackPrefix() + std::string(check); }
  // A secret every member shares (`ack-link`: the key of signed ack links), made by the
  // first member that needs it.
  std::string secret(std::string_view name) const { return root_ + "/secret/" + std::string(name); }
  std::string eventPrefix() const { return root_ + "/event/"; }
  // "/9volt/event/20250102T030405.123456Z-<member>-000042": keys sort by time (UTC,
  // microseconds, fixed width), then member, then the recorder's per-process sequence.
  std::string event(common::SystemTime time, std::string_view member_id, uint64_t seq) const;
  // The first key an event recorded at or after `since` can have (a range start).
  std::string eventsFrom(common::SystemTime since) const;
  // The cluster's shared event retention lease: {"id", "ttl", "granted"} (no lease itself).
  std::string eventLease() const { return root_ + "/cluster/event-lease"; }
  // The time part of an event key: "20250102T030405.123456Z".
  static std::string eventTime(common::SystemTime time);

  // The last path element of key if key is directly under prefix ("/9volt/monitor/web" ->
  // "web"); nullopt for keys elsewhere or deeper.
  static std::optional<std::string> nameUnder(std::string_view prefix, std::string_view key);

 private:
  std::string root_;
};

}  // namespace ninevolt::store
