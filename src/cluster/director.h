#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cluster/lifetime.h"
#include "cluster/placement.h"
#include "etcd/watcher.h"
#include "metrics/metrics.h"
#include "store/store.h"

namespace ninevolt::cluster {

// Director election and, while this member is the director, placement.
//
// Election: create-if-absent txn (create_revision == 0) on the director key, attached to
// this member's lease, so the key vanishes with the member. Everyone watches the key and
// campaigns when it goes. Every write the director makes is fenced: its txn compares the
// director key's create_revision and value with its own, so a director that lost its lease
// (or was replaced) cannot write anything.
//
// As director: watches members and monitors, computes placement (rendezvous hashing,
// placement.h) after a short debounce, and rewrites only the assignment shards that differ
// from what is stored. A new director reads the stored shards first, so it rewrites nothing
// that is already right.
//
// State of removed checks: /9volt/state/<check> of a monitor that no longer exists is
// deleted with the next placement write (same fenced, batched txns): a monitor deleted
// while this member is director, and, when it takes over or re-lists after a compaction,
// every state key whose monitor is gone (a keys-only read at the revision of the monitors
// it read). Incidents (/9volt/incident/<check>) are left alone: the alert dispatcher owns
// them.
//
// Runs on the given io_context (the cluster loop); public methods are called on it.
// etcd calls are synchronous with deadlines (this loop does nothing else).
class Director {
 public:
  struct Options {
    std::string member_id;
    std::chrono::milliseconds debounce{100};
    // Called on the loop when this member becomes or stops being the director.
    std::function<void(bool)> on_change;
    // Orphans after each placement (tests and the event log).
    std::function<void(const std::vector<std::string>&)> on_orphans;
    // Cluster events seen by the director, on the loop: member joined/left, director
    // changed, check orphaned/placed (on change only; a new director reports the orphans it
    // finds once). For the event log; must not block.
    std::function<void(store::Event)> on_event;
    // Tests: called on the loop just before each fenced placement write (to depose the
    // director at exactly that moment and see the fence refuse the write).
    std::function<void()> before_write;
  };

  Director(boost::asio::io_context& io, std::shared_ptr<store::Store> store, Options options);
  ~Director();
  Director(const Director&) = delete;
  Director& operator=(const Director&) = delete;

  // Starts (or restarts after a lease change) campaigning with this lease. A director
  // given a new lease while its old one still holds the director key (a member-ttl change)
  // moves the key onto it and stays director.
  void start(int64_t lease_id);
  // Steps down: if director, deletes the director key (fenced) so another takes over at once.
  void stop();

  bool isDirector() const { return is_director_; }
  // Placements written so far (tests, metrics).
  uint64_t placements() const { return placements_; }

  // For /metrics, from any thread (copies kept in atomics by the loop): whether this member
  // is the director, and what it sees as director: live members and orphaned checks as of
  // its last placement (0 when not the director: only the director knows).
  bool directorNow() const { return director_now_.value() != 0; }
  int64_t membersSeen() const { return members_seen_.value(); }
  int64_t orphansSeen() const { return orphans_seen_.value(); }

 private:
  void campaign();
  void becomeDirector(int64_t create_revision);
  void stepDown(const std::string& why);
  void onDirectorKey(const etcd::WatchUpdate& update);
  void scheduleRecompute();
  void recompute();
  bool loadAll();
  // Adds to deleted_ every state key whose monitor is not in checks_, read at `revision`
  // (the revision checks_ was read at). False when etcd could not answer.
  bool findStaleState(int64_t revision);
  // Reports incident keys whose name no check can have (a keys-only read at `revision`):
  // nothing else reads them (the dispatcher reads incidents by check name), so without
  // this they would sit there unseen.
  void reportBadIncidentKeys(int64_t revision);
  void onMonitors(const store::ConfigWatchUpdate& update);
  // The assignment shards changed in etcd: what it holds now (stored_) follows, and a change
  // that is not the director's own write (by hand, a shard deleted or overwritten) makes
  // the next placement write it right again.
  void onAssignments(const etcd::WatchUpdate& update);
  // Records one stored shard in stored_ (reporting one the director would not have
  // written); false for a key that is no shard at all.
  bool noteStoredShard(const etcd::KeyValue& kv);
  Result<bool> writeFenced(const std::vector<etcd::TxnOp>& ops);
  void emit(const char* type, const char* kind, std::string message, std::string check = {},
            std::string member = {});
  void reportMembers(const std::set<std::string>& before);
  // A director killed outright takes its member record with it (same lease): the member
  // watch of its successor never sees it go, so the successor reports it.
  void reportPreviousDirectorGone(const std::string& previous);
  void noteDirector(const std::string& director_value);
  void reportOrphans(const Placement& placement);
  void publishGauges();  // the atomics above, from the loop's state

  boost::asio::io_context& io_;
  std::shared_ptr<store::Store> store_;
  Options options_;
  std::string my_value_;
  int64_t lease_id_ = 0;
  int64_t create_revision_ = 0;
  bool is_director_ = false;
  bool stopped_ = false;
  uint64_t placements_ = 0;

  std::unique_ptr<etcd::Watcher> director_watch_;
  std::unique_ptr<etcd::Watcher> members_watch_;
  std::unique_ptr<etcd::Watcher> monitors_watch_;
  std::unique_ptr<etcd::Watcher> assignments_watch_;
  boost::asio::steady_timer debounce_timer_;
  bool recompute_pending_ = false;

  // Director state, valid while is_director_.
  std::map<std::string, MemberView> members_;
  std::map<std::string, CheckView> checks_;
  // member -> shard name -> JSON text stored (what etcd holds).
  std::map<std::string, std::map<std::string, std::string>> stored_;
  // Checks whose /9volt/state key goes with the next placement write: monitors deleted since
  // the last one, and state keys found without a monitor.
  std::set<std::string> deleted_;
  std::string last_director_;  // id of the last director seen (events)
  // Orphans as of the last placement written (events are sent on change only).
  std::set<std::string> orphans_;
  metrics::Gauge director_now_;
  metrics::Gauge members_seen_;
  metrics::Gauge orphans_seen_;
  Lifetime lifetime_;  // last: ends first
};

}  // namespace ninevolt::cluster
