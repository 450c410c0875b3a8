#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cluster/lifetime.h"
#include "common/clock.h"
#include "engine/engine.h"
#include "etcd/watcher.h"
#include "metrics/metrics.h"
#include "state/state_machine.h"
#include "store/store.h"

namespace ninevolt::cluster {

// The member side of placement: watches this member's own assignment shards and the
// monitors, and keeps the engine running exactly the assigned checks.
// - A check assigned here is started with the state its previous owner left in
//   /9volt/state/<check> (status and count), or its open incident in
//   /9volt/incident/<check> when that says worse, so thresholds and resolves continue.
// - A check whose previous owner is gone (died, left, or was this member before a restart
//   or a lost lease) is handed to the engine with when it last ran (the state key's date,
//   a lower bound): one that missed a due time meanwhile runs at once, not a whole
//   interval later at its phase. One moved from a live member keeps its phase (that member
//   ran it until the move).
// - A monitor edit (cfg, API, etcdctl) reaches the engine within the watch latency; the
//   engine restarts only a check whose spec changed.
// - A monitor that no longer validates (written by hand, even as text that is not JSON) is
//   rejected with a log line and on_rejected; the check keeps running its last good spec.
// - Assignment shards, saved states and incidents that do not decode are skipped and
//   reported through the store's rejections (store/untrusted.h).
// - stopAll() (lease lost) stops every check at once: someone else owns them now.
// Runs on the cluster loop; public methods are called on it.
class Manager {
 public:
  struct Options {
    std::string member_id;
    // Reports rejected configs (object name, problems) for the event log: once per bad
    // version of a check's spec while this member owns it.
    std::function<void(const std::string&, const std::string&)> on_rejected;
    // A check stopped running here (moved away, deleted, or all stopped).
    std::function<void(const std::string&)> on_removed;
    // Checks newly assigned here, after they were handed to the engine (the alert
    // dispatcher adopts their incidents), with the state each started from (the worse of
    // its state key and its open incident) where it had one.
    std::function<void(const std::vector<std::string>&, const std::map<std::string, state::Seed>&)>
        on_arrived;
    // More arriving checks than this are read with the whole prefixes, in pages of
    // prefix_page_size keys (tests make both small to exercise the path cheaply).
    size_t whole_prefix_above = kPrefetchBatched;
    int64_t prefix_page_size = kPrefixPageSize;
    // Assignment updates are gathered while each comes within assignments_gather of the
    // last, for at most assignments_gather_max, then applied together.
    std::chrono::milliseconds assignments_gather{50};
    std::chrono::milliseconds assignments_gather_max{1000};
    // Arriving checks whose reads etcd did not answer are read again after this long.
    std::chrono::milliseconds arrival_retry{1000};
    // Tests: called on the loop just before the reads of arriving checks (to stop etcd at
    // exactly that moment).
    std::function<void()> before_arrival_reads;
  };

  Manager(boost::asio::io_context& io, std::shared_ptr<store::Store> store,
          std::shared_ptr<engine::Engine> engine, Options options);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // (Re)reads assignments and monitors and follows them.
  void start();
  // Stops every check and the watches (lease lost or shutting down).
  void stopAll();
  // Any thread: takes every check out of the engine now, without waiting for the cluster
  // loop, which may sit in an etcd call for a whole call timeout while etcd is unreachable.
  // For a lost lease: the checks must not outlive it. Nothing starts again until the loop
  // has run stopAll() (which follows).
  void halt();

  const std::set<std::string>& owned() const { return owned_; }
  // Checks assigned to this member, from any thread (/metrics).
  int64_t ownedCount() const { return owned_count_.value(); }

  // How many arriving checks are read one key at a time, and up to how many with batched
  // point reads before the whole prefixes are read instead (see prefetch()).
  static constexpr size_t kPrefetchOneByOne = 32;
  static constexpr size_t kPrefetchBatched = 4096;
  static constexpr int64_t kPrefixPageSize = 10000;

  // The spec an owned check runs, parsed once from its etcd value and shared with the
  // engine; null for a check not owned here (or whose value never parsed). Any thread (the
  // alert dispatcher asks it who to tell).
  config::SharedMonitor monitorOf(const std::string& name) const;

 private:
  bool load();
  void arrived(const std::vector<std::string>& names);
  std::set<std::string> ownedFromShards() const;
  // Any thread (the watch's): queues an update of this member's assignment shards.
  void queueAssignments(const etcd::WatchUpdate& u);
  void gatherAssignments(std::chrono::steady_clock::duration wait);  // then drains
  void drainAssignments();       // every queued update, then assignmentsChanged() once
  void dropQueuedAssignments();  // after the watch stopped
  // One update into shards_; false when it changed nothing (a disconnect notice).
  bool applyAssignments(const etcd::WatchUpdate& u);
  // owned_ from shards_: the arriving checks read and started, the leaving ones stopped.
  void assignmentsChanged();
  void onMonitors(const store::ConfigWatchUpdate& u);
  // Stops and forgets the checks that left since `previous`; returns how many.
  size_t removeLeft(const std::set<std::string>& previous);
  // Gives the engine the arriving checks, or every owned check when all_owned (after a
  // re-list); `moved_out`: removeLeft()'s count (many moved: the heap is trimmed).
  void reconcile(const std::set<std::string>& previous, size_t moved_out, bool all_owned);
  // A monitor value read for an owned (or arriving) check: parsed, and kept as its spec when
  // valid; when not, reported (once per distinct problem) and the last good spec kept.
  void acceptSpec(const std::string& name, const std::string& text);
  void run(const std::string& name, bool is_new);
  void removeFromEngine(const std::string& name);
  void scheduleRetry();
  // Reads specs and saved states of checks new to this member: one key at a time for a
  // few; point reads batched in txns up to kPrefetchBatched (a member dying hands each
  // survivor ~1/N of its checks: reading only those is far cheaper than the whole prefixes,
  // tens of MB at 100k checks, read by every survivor at the same moment); the whole
  // prefixes at once for more (a member joining an empty cluster, a cold start).
  // False when etcd did not answer: the caller then starts none of them (deferArrivals()).
  bool prefetch(const std::vector<std::string>& names);
  bool readArriving(const std::vector<std::string>& names);  // prefetch()'s reads
  // Arriving checks that could not be read: none starts without its spec and saved state
  // (without its state it would forget a failure count; without its spec it would wait for
  // a monitor change that may never come). They leave owned_ and are read again after
  // Options::arrival_retry, by assignmentsChanged().
  void deferArrivals(const std::vector<std::string>& names);
  bool prefetchBatched(const std::vector<std::string>& names);  // false: etcd failed
  // The monitor, state and incident prefixes read whole, in pages; false: etcd failed.
  bool readWholePrefixes(const std::vector<std::string>& names);

  // The state key of an arriving check: its seed, and who last ran it when.
  void noteState(const std::string& name, const etcd::KeyValue& kv);
  // An arriving check's records as read: its spec, its last run and its incident.
  void takeRecords(const std::string& name, const store::CheckRecords& records);
  // Keeps the last-run times of the arriving checks whose previous owner is gone.
  void resolveLastRuns();

  boost::asio::io_context& io_;
  std::shared_ptr<store::Store> store_;
  std::shared_ptr<engine::Engine> engine_;
  Options options_;
  std::unique_ptr<etcd::Watcher> assignments_watch_;
  std::unique_ptr<etcd::Watcher> monitors_watch_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer trim_timer_;         // hands freed heap back after many checks moved
  boost::asio::steady_timer assignments_timer_;  // gathers queued assignment updates
  boost::asio::steady_timer arrival_timer_;      // reads deferred arrivals again
  std::mutex pending_mu_;                        // guards the three below
  std::vector<etcd::WatchUpdate> pending_assignments_;
  std::chrono::steady_clock::time_point first_queued_;
  std::chrono::steady_clock::time_point last_queued_;
  static constexpr size_t kTrimAfterMoving = 1000;
  static constexpr std::chrono::seconds kTrimDelay{5};
  bool running_ = false;

  std::map<std::string, std::set<std::string>> shards_;  // shard -> names
  std::set<std::string> owned_;
  // Owned checks' parsed specs. Written on the loop under specs_mu_ (monitorOf() reads
  // them from the dispatcher's thread); the loop reads them without it.
  mutable std::mutex specs_mu_;
  std::map<std::string, config::SharedMonitor> specs_;
  std::map<std::string, state::Seed> seeds_;  // saved states of arriving checks
  // The seeds of the checks of the last prefetch(), for on_arrived (run() consumes seeds_).
  std::map<std::string, state::Seed> arriving_seeds_;
  struct LastRun {
    std::string owner;      // the member that wrote the state key
    common::SystemTime at;  // a run of it started then (it may have run later too)
  };
  std::map<std::string, LastRun> arriving_runs_;         // from state keys, this prefetch
  std::map<std::string, common::SystemTime> last_runs_;  // arriving, previous owner gone
  // Whether halt() froze the engine (it holds only this manager's checks, so halt() empties
  // it whole); halt() runs on any thread, so this is guarded (everything else is loop-only).
  std::mutex engine_mu_;
  bool halted_ = false;
  std::map<std::string, std::string> rejected_;  // owned checks with a bad spec -> problems
  metrics::Gauge owned_count_;                   // owned_.size(), for other threads
  Lifetime lifetime_;                            // last: ends first
};

}  // namespace ninevolt::cluster
