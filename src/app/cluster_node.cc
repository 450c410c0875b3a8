#include "app/cluster_node.h"

#include <algorithm>
#include <future>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/builtin_alerters.h"
#include "app/builtin_checks.h"
#include "common/thread_name.h"
#include "common/version.h"
#include "config/locations.h"

namespace ninevolt::app {
namespace {

constexpr auto kEventFlushLimit = std::chrono::seconds(2);

// How long one shared event lease is used before the next: events live between retention
// and retention + this; a day's retention expires an hour's worth at a time.
std::chrono::seconds eventLeaseRotation(std::chrono::seconds retention) {
  return std::clamp<std::chrono::seconds>(retention / 24, std::chrono::seconds(1),
                                          std::chrono::hours(1));
}

}  // namespace

ClusterNode::ClusterNode(std::shared_ptr<store::Store> store, Options options)
    : options_(std::move(options)),
      store_(std::move(store)),
      work_(boost::asio::make_work_guard(io_)) {
  const std::string id = options_.member_id;
  events_ = std::make_unique<events::EventLog>(
      store_, events::EventLog::Options{.member_id = id,
                                        .retention = options_.event_retention,
                                        .rotation = eventLeaseRotation(options_.event_retention),
                                        .max_events = options_.event_max_count});
  health_ = std::make_unique<EtcdHealth>(
      EtcdHealth::Options{.on_event = [log = events_.get()](const char* type, const char* kind,
                                                            const std::string& message) {
        log->record(type, kind, message);
      }});
  // Whatever a reader of etcd skips (a bad key or value under any prefix: store/untrusted.h)
  // becomes one config-rejected event per key and revision.
  store_->rejections().setHandler([log = events_.get()](const store::Rejection& r) {
    log->record(store::kEventError, store::event_kind::kConfigRejected, r.message, r.check);
  });
  publisher_ = std::make_unique<cluster::StatePublisher>(
      io_, store_,
      cluster::StatePublisher::Options{.member_id = id,
                                       .digest_interval = options_.state_dump_interval});
  dispatcher_ = std::make_unique<alerts::Dispatcher>(
      store_, builtinAlerters(id, store_->keys().root()),
      alerts::Dispatcher::Options{
          .member_id = id,
          .external_url = options_.external_url,
          .on_event =
              [log = events_.get()](const std::string& type, const std::string& check,
                                    const std::string& message) {
                log->record(type == "error" ? store::kEventError : store::kEventWarning,
                            store::event_kind::kAlert, message, check);
              },
          .on_info =
              [log = events_.get()](const char* kind, const std::string& check,
                                    const std::string& message) {
                log->record(store::kEventInfo, kind, message, check);
              },
          // The spec the manager parsed and the engine runs: nothing is read again from etcd
          // nor parsed again when a check changes state.
          .monitor_of = [this](const std::string& check) -> config::SharedMonitor {
            if (cluster::ClusterAlarms::isAlarm(check)) {  // the cluster's own conditions
              std::lock_guard lock(cluster_alerter_mu_);
              return cluster::ClusterAlarms::specOf(check, cluster_alerter_);
            }
            // Not metrics_mu_: a scrape holds it while every check's series is rendered,
            // and an alert must not wait for that.
            std::lock_guard lock(manager_mu_);  // stop() resets manager_ under it
            return manager_ ? manager_->monitorOf(check) : nullptr;
          }});
  dispatcher_->setStormLimits(options_.storm_threshold, options_.storm_window);
  auto registry = builtinChecks(id, store_);
  confirmer_ = std::make_unique<cluster::Confirmer>(
      store_, cluster::Confirmer::Options{
                  .member_id = id, .location = options_.location, .registry = registry});
  engine_ = std::make_shared<engine::Engine>(engine::Engine::Options{
      .workers = options_.workers,
      .max_processes = options_.max_exec,
      .registry = registry,
      .on_result =
          [this, publisher = publisher_.get(), dispatcher = dispatcher_.get(),
           log = events_.get()](const engine::RunReport& r) {
            if (cluster::Canaries::isCanary(r.check)) {
              // This member's own health: no state key, no alert (cluster/canaries.h).
              if (canaries_) {
                canaries_->onResult(r);
              }
              return;
            }
            publisher->onResult(r);
            // A location replica (`web@eu-west`) alerts nobody: its check's judge does, through
            // the check's incident (docs/locations.md).
            const auto replica = config::splitReplica(r.check);
            if (r.transition && !replica) {
              dispatcher->onTransition(r.check, *r.transition);
            }
            if (r.transition && r.transition->stateChanged()) {
              auto text =
                  replica
                      ? fmt::format("check '{}' in location '{}': {} -> {} after {} result(s): {}",
                                    replica->check, replica->location,
                                    state::stateName(r.transition->from),
                                    state::stateName(r.transition->to), r.count, r.result.message)
                      : fmt::format("check '{}': {} -> {} after {} result(s): {}", r.check,
                                    state::stateName(r.transition->from),
                                    state::stateName(r.transition->to), r.count, r.result.message);
              spdlog::info("{}", text);
              // The check's history (the UI's check page); as many as alerts, none at steady state.
              log->record(r.transition->to == state::CheckState::kOk        ? store::kEventInfo
                          : r.transition->to == state::CheckState::kWarning ? store::kEventWarning
                                                                            : store::kEventError,
                          store::event_kind::kCheckState, std::move(text),
                          replica ? std::string(replica->check) : r.check);
            }
          },
      .confirm =
          [confirmer = confirmer_.get()](const config::SharedMonitor& spec,
                                         const checks::CheckResult& result,
                                         std::function<void(engine::ConfirmAnswer)> done) {
            confirmer->ask(spec, result, std::move(done));
          }});
  auto* log = events_.get();
  canaries_ = std::make_unique<cluster::Canaries>(
      io_, store_, engine_,
      cluster::Canaries::Options{.on_change = [this, log](bool degraded, const std::string& why) {
        engine_->setHeld(degraded);
        degraded_ = degraded;
        const std::string text =
            degraded ? "this member is degraded: " + why +
                           " (its checks' failures are held; its record says so, and the "
                           "director moves its checks to healthy members)"
                     : "this member is no longer degraded: " + why;
        spdlog::warn("{}", text);
        log->record(
            degraded ? store::kEventWarning : store::kEventInfo,
            degraded ? store::event_kind::kMemberDegraded : store::event_kind::kMemberRestored,
            text);
      }});
  canaries_->set(options_.canaries);
  director_ = std::make_unique<cluster::Director>(
      io_, store_,
      cluster::Director::Options{.member_id = id,
                                 .takeover_after = options_.member_ttl,
                                 .cold_start_quiet = std::chrono::seconds(1),
                                 .cold_start_max = options_.member_ttl,
                                 .on_change =
                                     [this, log](bool director) {
                                       log->setTrimming(director);
                                       if (alarms_) {
                                         alarms_->directorChanged(director);
                                       }
                                     },
                                 .on_known =
                                     [this](bool known, bool self) {
                                       if (no_director_) {
                                         no_director_->directorKnown(known, self);
                                       }
                                     },
                                 .on_orphans =
                                     [this](const std::vector<std::string>& orphans) {
                                       if (alarms_) {
                                         alarms_->orphans(orphans);
                                       }
                                     },
                                 .on_member_lost =
                                     [this](const cluster::MemberView& m) {
                                       if (alarms_) {
                                         alarms_->memberLost(m);
                                       }
                                     },
                                 .on_member_joined =
                                     [this](const cluster::MemberView& m) {
                                       if (alarms_) {
                                         alarms_->memberJoined(m);
                                       }
                                     },
                                 .on_member_degraded =
                                     [this](const cluster::MemberView& m) {
                                       if (alarms_) {
                                         alarms_->memberDegraded(m);
                                       }
                                     },
                                 .on_event = [log](store::Event e) { log->record(std::move(e)); }});
  cluster_alerter_ = options_.cluster_alerter;
  const cluster::AlarmHooks alarm_hooks{
      .transition = [dispatcher = dispatcher_.get()](
                        const std::string& name,
                        const state::Transition& t) { dispatcher->onTransition(name, t); },
      .adopt =
          [dispatcher = dispatcher_.get()](std::vector<std::string> names,
                                           std::map<std::string, state::Seed> seeds) {
            dispatcher->adopt(std::move(names), std::move(seeds));
          },
      .release = [dispatcher =
                      dispatcher_.get()](const std::string& name) { dispatcher->release(name); }};
  alarms_ = std::make_unique<cluster::ClusterAlarms>(
      io_, store_,
      cluster::ClusterAlarms::Options{
          .member_id = id, .orphan_grace = options_.orphan_grace, .alerts = alarm_hooks});
  alarms_->setEnabled(!options_.cluster_alerter.empty());
  no_director_ = std::make_unique<cluster::NoDirectorAlarm>(
      io_, store_,
      cluster::NoDirectorAlarm::Options{
          .member_id = id, .member_ttl = options_.member_ttl, .alerts = alarm_hooks});
  no_director_->setEnabled(!options_.cluster_alerter.empty());
  compactor_ = std::make_unique<cluster::Compactor>(
      io_, store_,
      cluster::Compactor::Options{
          .member_id = id,
          .interval = options_.etcd_compaction_interval,
          .fence = [director = director_.get()] { return director->fence(); }});
  watchdog_ = std::make_unique<cluster::Watchdog>(
      io_, store_,
      cluster::Watchdog::Options{
          .member_id = id,
          .user_agent = fmt::format("9volt/{} (member {})", common::kSemVer, id),
          .fence = [director = director_.get()] { return director->fence(); },
          .on_change =
              [log](bool ok, const std::string& message) {
                log->record(ok ? store::kEventInfo : store::kEventWarning,
                            store::event_kind::kWatchdog, message);
              }});
  watchdog_->set(options_.watchdog_url, options_.watchdog_interval);
  manager_ = std::make_unique<cluster::Manager>(
      io_, store_, engine_,
      cluster::Manager::Options{
          .member_id = id,
          .on_rejected =
              [log](const std::string& name, const std::string& problems) {
                log->record(store::kEventError, store::event_kind::kConfigRejected,
                            problems + " (the check keeps its last good spec, if any)", name);
              },
          .on_removed =
              [publisher = publisher_.get(),
               dispatcher = dispatcher_.get()](const std::string& name) {
                publisher->forget(name);
                if (name.find('@') == std::string::npos) {  // replicas have no incident
                  dispatcher->release(name);
                }
              },
          .on_arrived =
              [dispatcher = dispatcher_.get()](const std::vector<std::string>& names,
                                               const std::map<std::string, state::Seed>& seeds) {
                // Replicas (`web@eu`) have no incident: only the checks are adopted.
                std::vector<std::string> checks;
                std::map<std::string, state::Seed> started_from;
                for (const auto& n : names) {
                  if (n.find('@') == std::string::npos) {
                    checks.push_back(n);
                    if (auto s = seeds.find(n); s != seeds.end()) {
                      started_from.emplace(n, s->second);
                    }
                  }
                }
                if (!checks.empty()) {
                  dispatcher->adopt(std::move(checks), std::move(started_from));
                }
              }});
  probe_store_ = store_->withCallTimeout(kProbeTimeout);
  thread_ = std::thread([this] {
    common::nameThisThread("9v-cluster");
    while (true) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("cluster loop: {}", e.what());
      }
    }
  });
}

ClusterNode::~ClusterNode() {
  stop();
}

std::string ClusterNode::etcdProblem() const {
  return health_->problem();
}

void ClusterNode::probeEtcd() {
  health_->observe(probe_store_ ? probe_store_->status() : store_->status());
  // The director tells the cluster alerter of an etcd alarm (cluster/cluster_alarms.h).
  boost::asio::post(io_, [this, problem = health_->problem()] {
    if (!stopped_ && alarms_) {
      alarms_->etcdProblem(problem);
    }
  });
}

void ClusterNode::probeLoop() {
  std::unique_lock lock(probe_mu_);
  while (!probe_stop_) {
    lock.unlock();
    probeEtcd();
    lock.lock();
    probe_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return probe_stop_; });
  }
}

void ClusterNode::runOnLoop(std::function<void()> fn) {
  std::promise<void> done;
  boost::asio::post(io_, [&] {
    try {
      fn();
    } catch (const std::exception& e) {
      spdlog::error("cluster loop: {}", e.what());
    }
    done.set_value();
  });
  done.get_future().wait();
}

void ClusterNode::onRegistered(int64_t lease_id) {
  lease_live_ = true;
  confirmer_->setLease(lease_id);
  boost::asio::post(io_, [this, lease_id] {
    if (stopped_) {
      return;
    }
    director_->start(lease_id);
    if (!alerts_started_) {
      alerts_started_ = true;
      dispatcher_->start();  // before the manager: arrivals are adopted in order
    }
    manager_->start();
    canaries_->start();  // after a lost lease the engine holds none of them
    publisher_->start(lease_id);
    compactor_->start();
    watchdog_->start();
    if (!probe_thread_.joinable()) {
      probe_thread_ = std::thread([this] {
        common::nameThisThread("9v-probe");
        probeLoop();
      });
    }
  });
}

void ClusterNode::onLeaseLost() {
  lease_live_ = false;
  if (confirmer_) {
    confirmer_->setLease(0);
  }
  // Stop the checks now: the cluster loop may be waiting in an etcd call for seconds, and
  // the checks must not run past the lease (someone else may own them already).
  if (manager_) {
    manager_->halt();
  }
  // And their alerts: no new attempt, no retry, and no state change seen before now is
  // written into what is about to be another member's incident.
  if (dispatcher_) {
    dispatcher_->leaseLost();
  }
  boost::asio::post(io_, [this] {
    if (!stopped_) {
      manager_->stopAll();
      // Posted before the next onRegistered(): the director campaigns with the new lease
      // only, never with this dead one.
      director_->leaseLost();
      no_director_->leaseLost();
    }
  });
}

void ClusterNode::onLeaseMoved(int64_t lease_id) {
  confirmer_->setLease(lease_id);
  boost::asio::post(io_, [this, lease_id] {
    if (stopped_) {
      return;
    }
    director_->start(lease_id);
    publisher_->start(lease_id);
  });
}

void ClusterNode::applySettings(const cluster::ClusterSettings& settings) {
  if (!events_) {
    return;  // stopped
  }
  events_->setLimits(settings.event_retention, eventLeaseRotation(settings.event_retention),
                     settings.event_max_count);
  dispatcher_->setStormLimits(settings.storm_threshold, settings.storm_window);
  {
    std::lock_guard lock(cluster_alerter_mu_);
    cluster_alerter_ = settings.cluster_alerter;
  }
  boost::asio::post(io_, [this, orphan_grace = settings.orphan_grace, canaries = settings.canaries,
                          alerter = !settings.cluster_alerter.empty()] {
    if (!stopped_) {
      alarms_->setEnabled(alerter);
      no_director_->setEnabled(alerter);
      alarms_->setOrphanGrace(orphan_grace);
      canaries_->set(canaries);
    }
  });
  boost::asio::post(
      io_, [this, interval = settings.state_dump_interval, ttl = settings.member_ttl,
            compaction = settings.etcd_compaction_interval, watchdog_url = settings.watchdog_url,
            watchdog_interval = settings.watchdog_interval] {
        if (!stopped_) {
          publisher_->setDigestInterval(interval);
          director_->setTakeoverAfter(ttl);
          no_director_->setMemberTtl(ttl);
          compactor_->setInterval(compaction);
          watchdog_->set(watchdog_url, watchdog_interval);
        }
      });
}

void ClusterNode::renderMetrics(std::string& out) const {
  std::lock_guard lock(metrics_mu_);
  metrics::Writer w(out);
  if (engine_) {
    engine_->renderEngineMetrics(w);
  }
  // Not after a lease loss, even before the cluster loop (perhaps waiting on etcd) has made
  // the director step down: another member may be the director already.
  const bool director = lease_live_ && director_ && director_->directorNow();
  w.gauge("ninevolt_cluster_is_director", "1 while this member is the cluster's director.",
          uint64_t{director ? 1U : 0U});
  w.gauge("ninevolt_cluster_members",
          "Live members as the director sees them (0 on the other members: only the "
          "director watches the members).",
          director_ ? director_->membersSeen() : int64_t{0});
  w.gauge("ninevolt_cluster_orphans",
          "Checks no member may run (no member has their member-tag), as of the director's "
          "last placement (0 on the other members).",
          director_ ? director_->orphansSeen() : int64_t{0});
  w.gauge("ninevolt_cluster_checks_owned", "Checks assigned to this member.",
          manager_ ? manager_->ownedCount() : int64_t{0});
  w.gauge("ninevolt_etcd_lease_live",
          "1 while this member holds a live lease (its member record and its checks are "
          "its own), 0 once it is lost or the member is stopping.",
          uint64_t{lease_live_ ? 1U : 0U});
  health_->renderMetrics(w);
  w.counter("ninevolt_etcd_compactions_total",
            "etcd compactions this member made as the director (etcd-compaction-interval).",
            compactor_ ? compactor_->compactions() : uint64_t{0});
  w.counter("ninevolt_watchdog_calls_total",
            "Calls of the cluster's watchdog-url this member made as the director.",
            watchdog_ ? watchdog_->calls() : uint64_t{0});
  w.counter("ninevolt_watchdog_failures_total",
            "Of those, calls that got no 2xx answer within their deadline.",
            watchdog_ ? watchdog_->failures() : uint64_t{0});
  w.gauge("ninevolt_etcd_compacted_revision",
          "The revision this member last compacted etcd to (0: none yet).",
          compactor_ ? compactor_->compactedRevision() : int64_t{0});
  if (dispatcher_) {
    dispatcher_->renderMetrics(w);
  }
  if (engine_) {
    engine_->renderCheckMetrics(out);
  }
}

void ClusterNode::stop() {
  if (!thread_.joinable()) {
    return;
  }
  runOnLoop([this] {
    stopped_ = true;
    no_director_->stop();  // a director stepping down now is no gap
    director_->stop();
    manager_->stopAll();
    canaries_->stop();
    publisher_->flush();
  });
  {
    std::lock_guard lock(probe_mu_);
    probe_stop_ = true;
  }
  probe_cv_.notify_all();
  if (probe_thread_.joinable()) {  // started on the loop, which the step above waited for
    probe_thread_.join();
  }
  // Destroy on the loop thread's side of the join: watchers join their own threads.
  lease_live_ = false;
  runOnLoop([this] {
    std::lock_guard lock(metrics_mu_);
    {
      std::lock_guard manager_lock(manager_mu_);
      manager_.reset();
    }
    compactor_.reset();
    watchdog_.reset();  // waits for a call in flight (its deadline at most)
    director_.reset();
    alarms_.reset();
    no_director_.reset();
    canaries_.reset();
  });
  {
    std::lock_guard lock(metrics_mu_);
    engine_.reset();  // no more results; then the publisher can go
  }
  confirmer_->stop();  // after the engine: nothing asks any more
  // Attempts in flight finish (each within its timeout); queued alerts stay unsettled in
  // their incidents, for the next owner.
  dispatcher_->stop();
  runOnLoop([this] { publisher_.reset(); });
  // What the cluster loop recorded last (e.g. a config rejected) reaches etcd if it can.
  if (!events_->flush(kEventFlushLimit)) {
    spdlog::warn("event log: not everything written within {}s", kEventFlushLimit.count());
  }
  store_->rejections().setHandler({});  // before the log goes (the API may still read)
  events_.reset();
  work_.reset();
  io_.stop();
  thread_.join();
}

}  // namespace ninevolt::app
