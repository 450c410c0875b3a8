#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "alerts/dispatcher.h"
#include "app/etcd_health.h"
#include "cluster/canaries.h"
#include "cluster/cluster_alarms.h"
#include "cluster/compactor.h"
#include "cluster/confirmer.h"
#include "cluster/director.h"
#include "cluster/manager.h"
#include "cluster/no_director.h"
#include "cluster/settings.h"
#include "cluster/state_publisher.h"
#include "cluster/watchdog.h"
#include "engine/engine.h"
#include "events/event_log.h"
#include "store/store.h"

namespace ninevolt::app {

// What a member runs besides its membership: the check engine, and on a cluster loop of
// its own (a thread; its etcd calls block only it) the director election/placement and the
// manager that keeps the engine running this member's assignments.
class ClusterNode {
 public:
  struct Options {
    std::string member_id;
    std::string location;   // --location: where confirmations are asked from (docs/locations.md)
    size_t workers = 0;     // engine threads; 0 = one per core
    size_t max_exec = 256;  // exec runs at once (engine::Engine::Options::max_processes)
    // Event log (cluster config `event-retention`, `event-max-count`).
    std::chrono::seconds event_retention{std::chrono::hours(24)};
    size_t event_max_count = 10000;
    // Cluster config `member-ttl`: also how long a director key that is no director's
    // (garbage, or on no lease) blocks the election before it is deleted.
    std::chrono::seconds member_ttl{5};
    // Per-member last-run digest period (cluster config `state-dump-interval`).
    std::chrono::milliseconds state_dump_interval{std::chrono::seconds(10)};
    // The director compacts etcd this often (cluster config `etcd-compaction-interval`).
    std::chrono::seconds etcd_compaction_interval{std::chrono::minutes(5)};
    // Alerts: links in messages point here (--external-url); "" = no links.
    std::string external_url;
    // Cluster config `storm-threshold` (0 = off) and `storm-window`.
    int64_t storm_threshold = 0;
    std::chrono::milliseconds storm_window{std::chrono::seconds(60)};
    // Cluster config `watchdog-url` ("" = off) and `watchdog-interval`.
    std::string watchdog_url;
    std::chrono::seconds watchdog_interval{60};
    // Cluster config `cluster-alerter` ("" = nobody) and `orphan-grace`.
    std::string cluster_alerter;
    std::chrono::seconds orphan_grace{std::chrono::minutes(5)};
    // Cluster config `canaries`: monitors this member also runs to judge its own network.
    std::vector<std::string> canaries;
  };

  ClusterNode(std::shared_ptr<store::Store> store, Options options);
  ~ClusterNode();  // stop() if not done
  ClusterNode(const ClusterNode&) = delete;
  ClusterNode& operator=(const ClusterNode&) = delete;

  // Registered on a (new) lease: campaign and (re)load this member's assignments.
  void onRegistered(int64_t lease_id);
  // Lease lost: stop every check at once; someone else owns them now. (Their alerts in
  // flight finish; what is queued stays unsettled in the incidents for the next owner.)
  // The director steps down and campaigns again with the next lease.
  void onLeaseLost();
  // The member record moved to a new lease (member-ttl changed): the director key and the
  // digest follow; the checks keep running.
  void onLeaseMoved(int64_t lease_id);
  // The cluster config changed: state-dump-interval, the event log's limits and the
  // director key takeover time (member-ttl) apply now (the lease TTL is the Membership's).
  void applySettings(const cluster::ClusterSettings& settings);
  // Hands over directorship, stops the checks and the cluster loop. Blocks until done.
  void stop();

  engine::EngineStats engineStats() const { return engine_->stats(); }
  // Appends this member's families (engine, per-check, cluster, alerts; docs/api.md) to
  // out. Any thread but the engine's and the cluster loop's; reads in-memory numbers only
  // (no etcd call), waiting at most a few ms per thousand checks while the engine workers
  // render their checks between runs. After stop(): cluster and alert families only.
  void renderMetrics(std::string& out) const;
  // Empty while etcd answers; else why not (probed every second on a thread of its own: the
  // cluster loop may be waiting in an etcd call for a whole call timeout while etcd is away).
  std::string etcdProblem() const;
  events::EventLog& events() const { return *events_; }  // thread-safe
  // Every canary fails (cluster/canaries.h): the member record says so (the server writes it
  // with the check count). Any thread.
  bool degraded() const { return degraded_; }

 private:
  void runOnLoop(std::function<void()> fn);  // posts and waits
  void probeEtcd();                          // one probe (probe thread)
  void probeLoop();  // the probe thread: probeEtcd() every second until stop()

  Options options_;
  std::shared_ptr<store::Store> store_;
  std::shared_ptr<engine::Engine> engine_;
  std::unique_ptr<events::EventLog> events_;        // before the director and manager: they use it
  std::unique_ptr<EtcdHealth> health_;              // reports to events_
  std::unique_ptr<alerts::Dispatcher> dispatcher_;  // before the engine: it reports to it
  std::unique_ptr<cluster::Confirmer> confirmer_;   // before the engine: it asks it
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<cluster::Director> director_;
  std::unique_ptr<cluster::Manager> manager_;
  std::unique_ptr<cluster::Compactor> compactor_;          // uses director_
  std::unique_ptr<cluster::Watchdog> watchdog_;            // uses director_
  std::unique_ptr<cluster::ClusterAlarms> alarms_;         // told by director_, tells dispatcher_
  std::unique_ptr<cluster::NoDirectorAlarm> no_director_;  // likewise, on every member
  std::unique_ptr<cluster::Canaries> canaries_;            // on the loop; runs in engine_
  std::atomic<bool> degraded_{false};
  std::mutex cluster_alerter_mu_;  // guards cluster_alerter_ (any thread)
  std::string cluster_alerter_;
  // Held while renderMetrics() reads engine_, director_ and manager_, and while stop()
  // resets them, so a scrape during shutdown reads nothing freed.
  mutable std::mutex metrics_mu_;
  // Held while the alert dispatcher asks manager_ for a spec and while stop() resets it
  // (inside metrics_mu_; never the other way round).
  std::mutex manager_mu_;
  std::atomic<bool> lease_live_{false};  // registered on a lease not known to be lost
  std::unique_ptr<cluster::StatePublisher> publisher_;
  std::thread thread_;
  bool stopped_ = false;
  bool alerts_started_ = false;
  std::thread probe_thread_;  // started on the loop at the first registration
  std::mutex probe_mu_;
  std::condition_variable probe_cv_;
  bool probe_stop_ = false;  // guarded by probe_mu_
  // The probe's own client, with a short deadline: etcd gone shows within ~1-2 s.
  std::shared_ptr<store::Store> probe_store_;
  static constexpr std::chrono::milliseconds kProbeTimeout{1000};
};

}  // namespace ninevolt::app
