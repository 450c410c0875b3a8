#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "alerts/ack_link.h"
#include "alerts/alerter_cache.h"
#include "alerts/flapping.h"
#include "alerts/incident.h"
#include "alerts/notification.h"
#include "alerts/silence_cache.h"
#include "alerts/storm_digests.h"
#include "metrics/text.h"
#include "state/state_machine.h"
#include "store/incident_store.h"

namespace ninevolt::alerts {

struct DispatcherStats {
  struct PerType {
    uint64_t sent = 0, failed = 0, retried = 0;
  };
  std::map<std::string, PerType> by_type;  // alerter type -> counters
  uint64_t queued = 0;                     // deliveries waiting or in flight
  uint64_t dropped = 0;                    // refused because the queue was full
  // State changes not written because the check left this member (or the member lost its
  // lease) while etcd could not be reached: the check's next owner judges it afresh.
  uint64_t abandoned = 0;
  // Notifications a silence held back (recorded in the incident instead of sent), and
  // follow-ups (reminders, ack announcements) it dropped.
  uint64_t suppressed = 0;
  // Follow-ups this member recorded to send: reminders, escalated notifications, and ack
  // announcements.
  uint64_t reminders = 0, escalations = 0, acks = 0;
  // Flapping notices recorded to send (started, stopped).
  uint64_t flapping = 0, flapping_stopped = 0;
  // Storm digests (storm.h): notifications put into a digest instead of sent, digests sent
  // and given up.
  StormStats storms;
};

// Turns state changes of the checks this member runs into notifications, exactly once
// per change and alerter:
//  1. take the check's spec from Options::monitor_of (its alerter lists, description and
//     target: the spec the check runs, parsed once) and read /9volt/incident/<check>;
//  2. apply the change to the incident (incident.h) and write it with compare-and-swap
//     BEFORE sending, so a new owner knows what was sent;
//  3. deliver on a pool of delivery threads, one lane per (check, alerter): in order (a
//     resolve never overtakes its trigger), retried with backoff and jitter for
//     `retry_for`, then given up with an error event;
//  4. record each outcome in the incident; delete it once every resolve is settled.
// A check arriving from another member is adopted: what its incident has unsettled is sent
// again under the same transition ids (after a grace period: the old owner may still be
// finishing an attempt, even when cut off from etcd). Work for a check stops when it leaves:
// queued deliveries and retries are dropped, an attempt in flight is recorded but not
// retried, a state change not yet written is abandoned (the next owner judges the check
// itself); the same for every check when the member loses its lease. Nothing here blocks
// an engine loop: changes are posted to the dispatcher's
// own loop thread, whose etcd calls block only it.
// Silences (store/silence.h, kept by a SilenceCache): a notification for a check a silence
// covers is recorded in its incident as suppressed instead of sent (applyChange); when no
// silence covers it any more (deleted, or its end passed: a timer), what is still true is
// sent under the recorded transition id (releaseSuppressed), once, like any alert.
// Follow-ups of open incidents (incident.h followUp: ack announcements, escalation steps,
// reminders) are due at times the incident and the monitor decide; a timer runs them, each
// written to the incident under its own transition id before it is sent, like any alert.
// An ack written through the API rings the owner's doorbell (/9volt/ack/<check>, watched).
// Flapping (alerts/flapping.h) and failing parents (a monitor's depends-on) hold
// notifications back like a silence: recorded as suppressed by "flapping" or "parent <name>
// <status>", sent when the check stops flapping or its parents recover, if still true.
// Storm digests (storm_digests.h, a cluster setting): a state notification about to be sent
// passes its alerter's storm record first; in a storm it goes into a digest instead, and
// its delivery is recorded as settled by that storm (Told::digest).
class Dispatcher {
 public:
  struct Options {
    std::string member_id;
    std::string external_url;  // links in messages; "" = none
    size_t delivery_threads = 4;
    std::chrono::milliseconds timeout{10'000};  // one delivery attempt
    std::chrono::milliseconds retry_for{15 * 60'000};
    std::chrono::milliseconds first_backoff{1'000};
    std::chrono::milliseconds max_backoff{60'000};
    // A new owner waits this long before re-sending what another member left unsettled (it
    // may be sending it right now, even when cut off from etcd). Default: timeout + 2 s.
    std::chrono::milliseconds adopt_grace{-1};
    size_t max_queued = 10'000;
    // A state change of a check with `depends-on` waits this long before it is judged, so
    // that its parents' state keys (written up to ~1 s after their own changes, by other
    // members too, then an etcd write) are there: a parent and a child failing in the same
    // second alert the parent only (a parent seen failing up to ~1.5 s after the child still
    // counts).
    std::chrono::milliseconds parent_grace{3'000};
    // How often held children look at their parents again (to send what they held back).
    std::chrono::milliseconds parent_poll{2'000};
    // How often every storm record is looked at (a digest whose member died); and how long a
    // storm's digest gathers changes before it goes out.
    std::chrono::milliseconds storm_sweep{15'000};
    std::chrono::milliseconds storm_gather{10'000};
    // Error/warning events (unknown alerter, given up, queue full): type, check, message.
    std::function<void(const std::string&, const std::string&, const std::string&)> on_event;
    // Info events (store/event.h kinds): a notification a silence held back
    // (alert-suppressed), a reminder (alert-reminder), an escalation step (alert-escalated):
    // kind, check, message.
    std::function<void(const char*, const std::string&, const std::string&)> on_info;
    // The spec a check owned here runs (the manager's: parsed once, shared), or null for a
    // check that is not (its monitor deleted, or never valid): resolves still go to whoever
    // was told; nothing new is sent. Called on the dispatcher's loop; must be thread-safe.
    std::function<config::SharedMonitor(const std::string&)> monitor_of;
  };

  Dispatcher(const std::shared_ptr<store::Store>& store,
             const std::shared_ptr<const AlerterRegistry>& registry, Options options);
  ~Dispatcher();  // stop()
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Loads the alerters and watches them. Retries in the background when etcd is down.
  void start();
  // Stops delivering: queued deliveries stay unsettled in their incidents (a next owner or
  // this member's next start sends them). Blocks until in-flight attempts return.
  void stop();

  // A check of this member changed state (any thread; cheap).
  void onTransition(const std::string& check, const state::Transition& transition);
  // Checks that arrived at this member: send what their incidents left unsettled; and where
  // a check starts from a state worse than its incident has alerted (its previous owner saw
  // the change but never wrote it: it abandoned it on a lease loss, or died between its
  // state write and its incident write), alert that change now, as its own.
  void adopt(std::vector<std::string> checks, std::map<std::string, state::Seed> started_from = {});
  // A check left this member: drop its queued deliveries and retries, abandon its state
  // changes not yet written (an attempt in flight finishes and is recorded, not retried).
  void release(const std::string& check);
  // This member lost its etcd lease: every check may be someone else's now. release() for
  // all of them, and state changes seen before now are never written (any thread).
  void leaseLost();
  // The cluster's storm-threshold and storm-window (cluster/settings.h; threshold 0 = off).
  // Any thread.
  void setStormLimits(int64_t threshold, std::chrono::milliseconds window);

  DispatcherStats stats() const;
  // ninevolt_alerts_* (docs/api.md) from stats(). Any thread.
  void renderMetrics(metrics::Writer& out) const;
  // Waits until everything posted so far has been processed by the dispatcher loop (tests).
  void sync();

 private:
  struct Job {
    Notification notification;  // built when queued, from the incident as written
    std::string alerter;
    int attempts = 0;
    std::chrono::steady_clock::time_point first_try{};
    bool in_flight = false;    // an attempt is running on the pool
    bool backing_off = false;  // waiting for its retry timer
    bool released = false;     // the check left while in flight: record, never retry
    // The storm that carried this check's failure to the alerter (Told::digest), and whether
    // it has passed the storm record yet (once per job, before its first attempt).
    std::string digest_of;
    bool alone = false;  // Told::alone
    bool storm_passed = false;
  };
  // Work for a check that is only this member's while it owns the check (a state change
  // waiting for etcd, an adoption in its grace period): release() cancels it.
  using WorkToken = std::shared_ptr<bool>;              // true: cancelled
  using LaneKey = std::pair<std::string, std::string>;  // check, alerter

  void handleChange(const ChangeOfState& change, uint64_t epoch, int tries, WorkToken token);
  // Dependencies (config/dependencies.h): changes of a check with depends-on wait
  // parent_grace, in order; "parent <name> <status>" for its first parent that is failing
  // now (its state key), "" when none; an error when etcd cannot be read.
  void routeChange(const ChangeOfState& change, uint64_t epoch);
  void judgeWaiting(const std::string& check, uint64_t epoch);
  Result<std::string> parentHold(const config::MonitorSpec* spec);
  void armParentPoll();
  void onParentPoll();
  WorkToken ownedWork(const std::string& check);
  // retryLater(fn, delay), unless the check leaves this member before then.
  void retryWhileOwned(const std::string& check, std::chrono::milliseconds delay,
                       std::function<void()> fn);
  void finishWork(const std::string& check, const WorkToken& token);
  void releaseOnLoop(const std::string& check);
  void handleAdopt(const std::vector<std::string>& checks,
                   const std::map<std::string, state::Seed>& started_from, uint64_t epoch);
  void enqueue(const CheckInfo& check, const Incident& incident,
               const std::vector<Delivery>& deliveries);
  void pump(const LaneKey& key);
  void attempt(const LaneKey& key);
  void onAttempt(const LaneKey& key, const std::string& transition_id, const Result<void>& outcome,
                 const std::string& type);
  void settle(const std::string& check, const std::string& alerter,
              const std::string& transition_id, bool delivered, int tries = 0);
  // The lane's head passes its alerter's storm record: true when a digest took it (its
  // incident records that in the same txn) or it is history (its incident moved on, or has
  // it settled already): popped.
  bool digested(const LaneKey& key, Job& job);
  void sendDigest(const std::string& alerter, const Notification& n,
                  const std::function<void(Result<void>)>& done);
  void loadAlerters();
  // Silences changed, or one started or ended: send what the checks no silence covers any
  // more held back, and set the timer for the next start or end.
  void onSilencesChanged();
  void releaseSilenced(const std::string& check, int tries = 0);
  void noteFlapping(const ChangeOfState& change, const IncidentStep& step);
  // A written incident holds notifications back for a silence or a parent: looked at when
  // silences change, or every parent_poll.
  void noteHolds(const std::string& check, const Incident& incident);
  void noteSuppressed(const std::string& check, const std::string& what,
                      const std::vector<Delivery>& held, const std::string& silence);
  // Reminders, escalation and ack announcements (incident.h followUp): when each owned
  // check's open incident is due next, and one timer for the earliest.
  FollowUpPolicy policyOf(const std::string& check) const;
  void scheduleFollowUp(const std::string& check, const std::optional<Incident>& incident);
  void armFollowUpTimer();
  void onFollowUpTimer();
  // false: etcd could not be reached (it retries by itself).
  bool runFollowUp(const std::string& check, int tries = 0);
  void onAckDoorbells(const std::vector<std::string>& checks);
  void noteFollowUps(const std::string& check, const IncidentStep& step);
  // The cluster's ack link key (read or made at start, with --external-url): links in
  // messages. Retried in the background when etcd is down.
  void loadAckLinks();
  std::string ackLinkFor(const Incident& incident, const Delivery& delivery) const;
  config::SharedMonitor specOf(const std::string& check) const;
  size_t queued() const;
  // Queue space freed: adopt again the checks whose deliveries found the queue full.
  void readoptOverflowed();
  CheckInfo checkInfo(const std::string& check) const;
  static CheckInfo infoOf(const std::string& check, const config::SharedMonitor& spec);
  void event(const std::string& type, const std::string& check, const std::string& message);
  void retryLater(std::function<void()> fn, std::chrono::milliseconds delay);
  // Runs fn on the delivery pool, starting the pool first if needed; nothing after stop().
  void postDelivery(std::function<void()> fn);

  std::shared_ptr<store::Store> store_;
  Options options_;
  AlerterCache alerters_;
  SilenceCache silences_;
  store::IncidentStore incidents_;

  boost::asio::io_context io_;  // the dispatcher loop: incidents, lanes, timers
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  // Delivery attempts (blocking, with a timeout each). Started with the first delivery: a
  // member whose checks never alert runs no delivery thread. Created and posted to under
  // pool_mu_, taken and joined by stop() (from another thread).
  std::mutex pool_mu_;
  std::unique_ptr<boost::asio::thread_pool> pool_;
  std::thread thread_;
  std::atomic<bool> stopped_{false};
  std::atomic<uint64_t> lease_epoch_{0};  // leaseLost() calls so far
  uint64_t handled_epoch_ = 0;  // the lease epoch whose checks the loop has released (loop)

  // Dispatcher loop only:
  std::map<LaneKey, std::deque<Job>> lanes_;
  std::set<std::pair<std::string, std::string>> unknown_reported_;  // check, alerter
  // Checks with a delivery left unsettled because the queue was full: adopted again (their
  // incidents read afresh) once the queue has drained to half, so a member that keeps
  // running still sends them.
  std::set<std::string> overflowed_;
  std::multimap<std::string, WorkToken> owned_work_;
  // Deliveries a receiver accepted whose record etcd has not taken yet (being retried):
  // adopting the check again (after a lease loss) must not send them a second time.
  std::set<std::tuple<std::string, std::string, std::string>> unrecorded_;  // check, alerter, id
  std::mt19937_64 rng_{std::random_device{}()};
  bool alerters_loaded_ = false;
  bool silences_loaded_ = false;
  // Checks of this member whose incident holds a suppressed notification.
  std::set<std::string> suppressed_checks_;
  // Of those, the ones held back by a failing parent (looked at every parent_poll).
  std::set<std::string> parent_held_;
  std::unique_ptr<boost::asio::steady_timer> parent_timer_;
  // Changes of checks with depends-on waiting for parent_grace, in order.
  std::map<std::string, std::deque<ChangeOfState>> waiting_for_parents_;
  std::unique_ptr<boost::asio::steady_timer> silence_timer_;
  // Owned checks with an open incident -> when it is next due (nullopt: nothing due unless
  // its monitor or alerters change: every one is looked at again hourly for that).
  std::map<std::string, std::optional<common::SystemTime>> follow_up_due_;
  std::chrono::steady_clock::time_point follow_up_review_{};  // the next hourly look
  std::unique_ptr<boost::asio::steady_timer> follow_up_timer_;
  std::unique_ptr<etcd::Watcher> ack_watch_;
  std::unique_ptr<AckLinks> ack_links_;   // null until the cluster secret is read
  std::unique_ptr<StormDigests> storms_;  // its timers start with the alerters (loop)
  std::atomic<uint64_t> queued_{0};       // jobs in lanes_, for stats()

  mutable std::mutex stats_mu_;
  DispatcherStats stats_;
};

}  // namespace ninevolt::alerts
