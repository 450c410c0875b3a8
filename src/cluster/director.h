#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json_fwd.hpp>

#include "cluster/check_table.h"
#include "cluster/lifetime.h"
#include "cluster/placement.h"
#include "config/locations.h"
#include "etcd/watcher.h"
#include "metrics/metrics.h"
#include "store/store.h"

namespace ninevolt::cluster {

// The member id in a director key's value ({"id": "<member>", "since": ...}); nullopt when
// the value is not that (not JSON, no id, an empty or over-long id). Never throws.
std::optional<std::string> directorIdOf(std::string_view value);

// Director election and, while this member is the director, placement.
//
// Election (docs/architecture.md "Director election"): create-if-absent txn
// (create_revision == 0) on the director key, attached to this member's lease, so the key
// vanishes with the member. Everyone watches the key and campaigns when it goes. Every write
// the director makes is fenced: its txn compares the director key's create_revision and value
// with its own, so a director that lost its lease (or was replaced) cannot write anything.
// The rules that keep the election from ever getting stuck:
// - The key is this member's when it holds the value this member wrote, or names this
//   member and sits on its current lease (a campaign whose answer was lost). Then this
//   member is the director; on an older lease of its own the key is moved (fenced) onto the
//   current one.
// - A fenced write that fails steps down and campaigns again at once: it either wins, finds
//   the key its own, or follows whoever holds it.
// - A key that is no director's (not JSON with an "id", on no lease, or naming a member that
//   is not registered on the key's lease: only a third party writes that) is deleted after
//   `takeover_after` (one member TTL), logged and reported as a director-changed warning, and the
//   members campaign.
// - A lost lease steps down and stops campaigning until the member registered again; watch
//   events older than what a read already showed are ignored (a late delete of the old key
//   must not depose the new one).
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
    // A director key that is no director's (garbage, or on no lease) is deleted after this
    // long (the server: member-ttl; setTakeoverAfter() follows changes).
    std::chrono::milliseconds takeover_after{std::chrono::seconds(5)};
    // A cold start of the whole cluster (no check assigned yet in etcd): the first placement
    // waits until no member has joined for `cold_start_quiet`, and at most `cold_start_max`
    // after this member, as director, read the cluster. Members usually start together; the first
    // to win the election would otherwise take every check for a moment, read and start them all,
    // and hand most of them away a second later (the heap of that moment stayed: a director of 10
    // members at 100,000 checks kept 135 MiB). 0 = place at once.
    std::chrono::milliseconds cold_start_quiet{0};
    std::chrono::milliseconds cold_start_max{std::chrono::seconds(5)};
    // Monitors read per request when the director loads them all.
    int64_t monitor_page = 5000;
    // Called on the loop when this member becomes or stops being the director.
    std::function<void(bool)> on_change;
    // Called on the loop (after on_change) when this member starts or stops knowing a
    // director: itself, or another member's valid record in the director key. Arguments:
    // whether one is known, and whether it is this member. Every member (cluster/no_director.h).
    std::function<void(bool known, bool self)> on_known;
    // Orphans after each placement (tests and the event log).
    std::function<void(const std::vector<std::string>&)> on_orphans;
    // While director: a member's record went without its marking it as leaving (its lease
    // expired: killed, cut off, frozen), and a member (re)joined. For the cluster alerter.
    std::function<void(const MemberView&)> on_member_lost;
    std::function<void(const MemberView&)> on_member_joined;
    // While director: a member's `degraded` flag changed (or a degraded member went).
    std::function<void(const MemberView&)> on_member_degraded;
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
  // This member's lease is lost (or is about to be): steps down without writing and stops
  // campaigning until start() brings the next lease. The key, if it is still there, is
  // taken along onto that lease by the next campaign.
  void leaseLost();
  // Steps down: if director, deletes the director key (fenced) so another takes over at once.
  void stop();
  void setTakeoverAfter(std::chrono::milliseconds after) { options_.takeover_after = after; }

  bool isDirector() const { return is_director_; }
  // What fences a write of the director's (the director key still ours); nullopt when this
  // member is not the director. For writes made beside the Director (Compactor).
  std::optional<store::DirectorFence> fence() const;
  // Placements written so far (tests, metrics).
  uint64_t placements() const { return placements_; }

  // For /metrics, from any thread (copies kept in atomics by the loop): whether this member
  // is the director, and what it sees as director: live members and orphaned checks as of
  // its last placement (0 when not the director: only the director knows).
  bool directorNow() const { return director_now_.value() != 0; }
  int64_t membersSeen() const { return members_seen_.value(); }
  int64_t orphansSeen() const { return orphans_seen_.value(); }

 private:
  // What placement reads of a monitor besides its name: interned, each distinct one once
  // (a cluster has a handful), the empty one first.
  struct PlacementClass {
    std::string member_tag;
    config::LocationList locations;  // none: one owner anywhere
  };
  void campaign();
  void campaignSoon();   // campaign() from the loop, now (not from inside the caller)
  void retryCampaign();  // campaign() after kRetry
  void noteCampaignFailure(const std::string& why);  // logged, not once a second
  void watchDirectorKey(int64_t from_revision);
  // The director key as read or watched: decides whether this member is the director, follows
  // another, or (a key that is no director's) arms the takeover.
  void onKeyPresent(const etcd::KeyValue& kv);
  void onKeyGone();
  bool isOurs(const etcd::KeyValue& kv, const std::optional<std::string>& id) const;
  // Why a record naming another member on a live lease is no director's: that member is
  // not registered on that lease (a third party's key on a lease of its own would block
  // the election for as long as it keeps the lease alive). Empty: it is a director's, or
  // etcd could not tell (then it is followed, and asked again on the next change).
  std::string impostor(const etcd::KeyValue& kv, const std::string& id) const;
  // Our value on an older lease of ours: moved onto lease_id_ (fenced on create_revision and
  // value). True if it moved.
  bool moveKeyToLease(const etcd::KeyValue& kv);
  void armTakeover(const etcd::KeyValue& kv, const std::string& why);
  void clearTakeover();
  void takeOver();
  void becomeDirector(int64_t create_revision);
  void stepDown(const std::string& why);
  void onDirectorKey(const etcd::WatchUpdate& update);
  void scheduleRecompute(std::optional<std::chrono::milliseconds> delay = std::nullopt);
  void recompute();
  // How much longer the first placement of a cold cluster start waits (Options); 0: none.
  std::chrono::milliseconds coldStartWait() const;
  bool loadAll();
  // Every monitor into checks_, read in pages of Options::monitor_page at `revision`.
  bool readMonitors(int64_t revision);
  // Adds to deleted_ every state key whose monitor is not in checks_, read at `revision`
  // (the revision checks_ was read at). False when etcd could not answer.
  bool findStaleState(int64_t revision);
  // Reports incident keys whose name no check can have (a keys-only read at `revision`):
  // nothing else reads them (the dispatcher reads incidents by check name), so without
  // this they would sit there unseen.
  void reportBadIncidentKeys(int64_t revision);
  void onMonitors(const store::ConfigWatchUpdate& update);
  // Adds to `writes` the deletes of relocated_'s dropped replica states (one read of their
  // replicas' states); false when etcd could not answer (they wait for the next placement).
  bool dropReplicaStates(store::DirectorWrites& writes);
  // Whether a location list that was `before` drops a location by becoming `after`.
  static bool dropsLocations(const config::LocationList& before, const config::LocationList& after);
  // The assignment shards changed in etcd: what it holds now (stored_) follows, and a change
  // that is not the director's own write (by hand, a shard deleted or overwritten) makes
  // the next placement write it right again.
  void onAssignments(const etcd::WatchUpdate& update);
  // Records one stored shard in stored_ (reporting one the director would not have
  // written); false for a key that is no shard at all.
  bool noteStoredShard(const etcd::KeyValue& kv);
  // The director key still holds what this member wrote (create_revision and value).
  store::DirectorFence ourFence() const { return {create_revision_, my_value_}; }
  // Writes through the fence (in as many txns as etcd's limits need); false, having stepped
  // down, when the key is no longer ours.
  Result<bool> writeFenced(const store::DirectorWrites& writes,
                           const std::function<void()>& before_each = {});
  void emit(const char* type, const char* kind, std::string message, std::string check = {},
            std::string member = {});
  void reportMembers(const std::set<std::string>& before);
  // A director killed outright takes its member record with it (same lease): the member
  // watch of its successor never sees it go, so the successor reports it.
  void reportPreviousDirectorGone(const std::string& previous);
  void noteDirector(const std::string& director_value);
  // Orphan events on change; `owner_of` names the member that now runs a check.
  void reportOrphans(std::vector<std::string> now,
                     const std::function<std::string(const std::string&)>& owner_of);
  // checks_ with interned member-tags.
  void putCheck(const std::string& name, const nlohmann::json& monitor);
  void clearChecks();
  const std::string& tagOf(const std::string& name) const;
  // A monitor with locations (docs/locations.md): a replica `<name>@<location>` on each listed
  // location's owner (with `all`: each location with an eligible member), and the check
  // itself, its judge, with one placed replica (the location of the highest rendezvous weight
  // for the check); orphans otherwise.
  void placeReplicas(std::string_view name, const PlacementClass& pc, const LocatedPlacer& located,
                     const std::function<void(int, std::string_view)>& assign,
                     std::vector<std::string>& orphans) const;
  // Where the director puts `entry` (a check or a replica) now: a member id, or "".
  std::string ownerNow(const std::string& entry, const std::vector<MemberView>& members,
                       const Placer& placer, const LocatedPlacer& located) const;
  void publishGauges();  // the atomics above, from the loop's state
  // Options::on_known, once the current handler is done (a step-down followed by following
  // another member in one handler is no gap), and only on change.
  void reportKnown();

  boost::asio::io_context& io_;
  std::shared_ptr<store::Store> store_;
  Options options_;
  // The director key's value this member last won or adopted; kept after stepping down so
  // that the key, if still there, is recognised as ours on the next lease.
  std::string my_value_;
  int64_t lease_id_ = 0;  // 0 while the lease is lost: no campaign then
  int64_t create_revision_ = 0;
  // Newest mod revision of the director key known from reads and the watch: older watch
  // events are stale (the watch lags behind our own txns) and ignored.
  int64_t key_revision_ = 0;
  std::string followed_;  // the director value last logged as followed (log once per change)
  // A key that is no director's: since when (steady clock) and why, while armed.
  std::optional<std::chrono::steady_clock::time_point> invalid_since_;
  std::string invalid_why_;
  bool is_director_ = false;
  bool stopped_ = false;
  uint64_t placements_ = 0;
  std::optional<std::pair<bool, bool>> known_reported_;  // on_known's last (known, self)
  // Campaigns failed in a row, the reason last logged and when.
  uint64_t campaign_failures_ = 0;
  std::string campaign_error_;
  std::chrono::steady_clock::time_point campaign_warned_at_{};
  bool known_report_posted_ = false;

  std::unique_ptr<etcd::Watcher> director_watch_;
  std::unique_ptr<etcd::Watcher> members_watch_;
  std::unique_ptr<etcd::Watcher> monitors_watch_;
  std::unique_ptr<etcd::Watcher> assignments_watch_;
  boost::asio::steady_timer debounce_timer_;
  boost::asio::steady_timer campaign_timer_;  // campaign retries (never shared with placement)
  boost::asio::steady_timer takeover_timer_;
  bool recompute_pending_ = false;
  std::chrono::steady_clock::time_point loaded_at_;  // loadAll() read everything (steady clock)
  std::chrono::steady_clock::time_point last_join_;  // a member joined, or loadAll()
  bool cold_wait_logged_ = false;

  // Director state, valid while is_director_.
  std::map<std::string, MemberView> members_;
  // Every monitor, compactly (the director of a 100,000-check cluster holds them all): the
  // name once; the member-tag and locations as an index into classes_, rebuilt with checks_.
  CheckTable checks_;
  std::vector<PlacementClass> classes_{PlacementClass{}};
  std::map<std::string, uint32_t, std::less<>> class_ids_{{"", 0}};
  // What etcd holds of each shard: its text's length and two hashes, enough to tell whether
  // a desired shard is already there (the texts themselves are ~20 bytes per check).
  struct ShardDigest {
    size_t size = 0;
    uint64_t hash = 0;
    uint64_t hash2 = 0;
    bool operator==(const ShardDigest&) const = default;
  };
  static ShardDigest digestOf(std::string_view text);
  // member -> shard name -> digest of the text stored.
  std::map<std::string, std::map<std::string, ShardDigest>> stored_;
  // Checks whose /9volt/state key goes with the next placement write: monitors deleted since
  // the last one, and state keys found without a monitor.
  std::set<std::string> deleted_;
  // Checks with locations whose list changed: the states of the replicas of locations no
  // longer listed are deleted with the next placement write (dropReplicaStates).
  std::set<std::string> relocated_;
  std::string last_director_;  // id of the last director seen (events)
  // Orphans as of the last placement written (events are sent on change only).
  std::set<std::string> orphans_;
  metrics::Gauge director_now_;
  metrics::Gauge members_seen_;
  metrics::Gauge orphans_seen_;
  Lifetime lifetime_;  // last: ends first
};

}  // namespace ninevolt::cluster
