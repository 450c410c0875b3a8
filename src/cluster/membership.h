#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "cluster/lifetime.h"
#include "common/thread_name.h"
#include "etcd/lease_keeper.h"
#include "store/store.h"

namespace ninevolt::cluster {

// This member's presence in the cluster: a lease (TTL member_ttl, kept alive every TTL/3)
// and the member record /9volt/cluster/members/<id> on it. When the lease is lost (etcd
// said TTL=0, or it could not be kept alive for a whole TTL) the member registers again
// on a new lease, retrying with backoff, and reports each change through on_change.
//
// Runs on the given io_context (the control loop, which also serves HTTP); every public
// method must be called from that loop's thread, and every callback runs on it. Apart from
// start() and stop(), no etcd call of this class ever runs on the loop: registering again,
// setTtl() and setChecks() hand their calls (grant, put) to a private worker thread, one
// at a time, and take the outcome back on the loop, so a member cut from etcd keeps
// answering /metrics and /status/check while each call waits for its whole deadline. The
// keep-alive stream runs on a thread of its own and posts into the loop too.
class Membership {
 public:
  struct Options {
    store::MemberInfo member;
    std::chrono::seconds ttl{5};
    // Called on the loop when registration state changes: (registered, reason).
    std::function<void(bool, const std::string&)> on_change;
    // Called on the loop when setTtl() moved the record to a new lease while registered
    // (no on_change then: the member never left). Whatever else is on the old lease (the
    // director key, digest keys) must follow before the old lease expires.
    std::function<void(int64_t)> on_lease_moved;
  };

  Membership(boost::asio::io_context& io, std::shared_ptr<store::Store> store, Options options);
  ~Membership();
  Membership(const Membership&) = delete;
  Membership& operator=(const Membership&) = delete;

  // First registration, synchronous (on the calling thread: the server needs to be a
  // member before it goes on); an error here means etcd refused or could not be reached in
  // time. Nothing is retried then.
  Result<void> start();
  // Revokes the lease: the member record vanishes at once (its checks can move now). Blocks
  // (at shutdown only): waits for an etcd call in flight on the worker (up to a call
  // timeout) and revokes a lease that call granted too.
  void stop();
  // A new member-ttl, applied soon: a lease with that TTL is granted and the record is
  // moved onto it with one put (the member never disappears, nothing moves), then
  // on_lease_moved. The old lease is no longer kept alive and expires within the old TTL.
  // If etcd refuses, or while not registered, the TTL applies at the next registration.
  void setTtl(std::chrono::seconds ttl);
  std::chrono::seconds ttl() const { return options_.ttl; }

  // How many checks this member runs, shown in its record (API, UI). The record is written
  // again only when the number changed, so the write rate does not grow with the checks. A
  // failed write is tried again at the next call; while not registered (or registering),
  // the number goes into the next registration.
  void setChecks(int64_t checks);
  // The member record's `degraded` flag (cluster/canaries.h): written as the check count is.
  void setDegraded(bool degraded);

  bool registered() const { return registered_; }
  int64_t leaseId() const { return lease_id_; }

 private:
  // One piece of etcd work for the worker, and its outcome. The loop fills the request,
  // the worker the outcome; each side touches it only while it owns it (the loop again
  // once the outcome was posted back, or after joining the worker in stop()).
  struct Call {
    enum class Kind {
      kLease,  // grant a lease of `ttl`, put the record on it (revoked again if the put fails)
      kPut,    // put the record on `lease`
    };
    Kind kind = Kind::kLease;
    store::MemberInfo member;
    std::chrono::seconds ttl{0};
    int64_t lease = 0;  // kPut: the lease to put on; kLease: the lease granted (outcome)
    Result<void> result;
  };

  // The blocking part of a Call (worker thread, or start()).
  static void perform(store::Store& store, Call& call);
  void submit(const std::shared_ptr<Call>& call);  // to the worker; busy until onDone()
  void onDone(const std::shared_ptr<Call>& call);
  void onLeaseCall(const Call& call);
  void onRegistered(const Call& call);
  void kick();       // starts what is due (registration, move, count) when the worker is idle
  void keepAlive();  // a keeper for lease_id_ (replacing the previous one)
  void onLeaseLost(const Error& error);
  void scheduleRetry();

  boost::asio::io_context& io_;
  std::shared_ptr<store::Store> store_;
  Options options_;
  boost::asio::steady_timer retry_timer_;
  // Loop-only state.
  std::chrono::milliseconds backoff_{250};
  std::unique_ptr<etcd::LeaseKeeper> keeper_;
  int64_t lease_id_ = 0;
  std::chrono::seconds lease_ttl_{0};  // lease_id_'s TTL
  int64_t checks_written_ = 0;         // the check count etcd holds in our record
  bool degraded_written_ = false;      // and the degraded flag
  bool registered_ = false;
  bool stopped_ = false;
  bool retry_due_ = false;           // not registered and the backoff has passed
  bool move_pending_ = false;        // setTtl() while registered: move to a lease of the new TTL
  bool checks_pending_ = false;      // setChecks() changed the count: write it
  std::shared_ptr<Call> in_flight_;  // the call on the worker, if any
  // The worker: one thread, so calls run one at a time in the order submitted.
  boost::asio::thread_pool worker_ =
      common::constructNamed<boost::asio::thread_pool>("9v-membership", 1);
  // Guards against a lost-lease callback posted by a keeper that has since been replaced,
  // and against a worker outcome arriving after destruction.
  Lifetime lifetime_;  // last: ends first
};

}  // namespace ninevolt::cluster
