#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cluster/lifetime.h"
#include "etcd/lease_keeper.h"
#include "store/store.h"

namespace ninevolt::cluster {

// This member's presence in the cluster: a lease (TTL member_ttl, kept alive every TTL/3)
// and the member record /9volt/cluster/members/<id> on it. When the lease is lost (etcd
// said TTL=0, or it could not be kept alive for a whole TTL) the member registers again
// on a new lease, retrying with backoff, and reports each change through on_change.
//
// Runs on the given io_context (the control loop); every public method must be called
// from that loop's thread. The keep-alive stream itself runs on its own thread and posts
// into the loop.
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

  // First registration; an error here means etcd refused or could not be reached in time.
  Result<void> start();
  // Revokes the lease: the member record vanishes at once (its checks can move now).
  void stop();
  // A new member-ttl, applied at once: a lease with that TTL is granted and the record is
  // moved onto it with one put (the member never disappears, nothing moves), then
  // on_lease_moved. The old lease is no longer kept alive and expires within the old TTL.
  // If etcd refuses now, or while not registered, the TTL applies at the next registration.
  void setTtl(std::chrono::seconds ttl);
  std::chrono::seconds ttl() const { return options_.ttl; }

  // How many checks this member runs, shown in its record (API, UI). The record is written
  // again only when the number changed, so the write rate does not grow with the checks. A
  // failed write is tried again at the next call; while not registered, the number goes
  // into the next registration.
  void setChecks(int64_t checks);

  bool registered() const { return registered_; }
  int64_t leaseId() const { return lease_id_; }

 private:
  Result<void> registerOnce();
  void keepAlive();  // a keeper for lease_id_ (replacing the previous one)
  void onLeaseLost(const Error& error);
  void scheduleRetry();

  boost::asio::io_context& io_;
  std::shared_ptr<store::Store> store_;
  Options options_;
  boost::asio::steady_timer retry_timer_;
  std::chrono::milliseconds backoff_{250};
  std::unique_ptr<etcd::LeaseKeeper> keeper_;
  int64_t lease_id_ = 0;
  int64_t checks_written_ = 0;  // the check count etcd holds in our record
  bool registered_ = false;
  bool stopped_ = false;
  // Guards against a lost-lease callback posted by a keeper that has since been replaced.
  Lifetime lifetime_;  // last: ends first
};

}  // namespace ninevolt::cluster
