#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cluster/lifetime.h"
#include "store/store.h"

namespace ninevolt::cluster {

// Keeps etcd's history bounded, as Kubernetes' API server does, so that an etcd run with its
// defaults (no auto-compaction, 2 GiB quota) never fills up with old revisions of state,
// digests and assignments: while this member is the director, every `interval` it compacts
// etcd to the revision of one interval ago.
//
// The record /9volt/cluster/compaction = {"member", "unix"} marks that revision: its
// mod_revision. Each check (every interval/5, 1 s to 1 min) reads it; once it is an
// interval old, a fenced txn (the director key still ours, the record unchanged) writes it
// anew, and only if that txn succeeded is etcd compacted to the old record's revision. So
// a deposed director compacts nothing, two directors never compact twice for one record,
// and a new director continues the previous one's rhythm. History is kept between one and
// two intervals: watchers further behind than that re-list (etcd::Watcher does).
// A record that does not decode is rewritten (no compaction that round) and reported.
//
// Runs on the cluster loop (synchronous etcd calls with deadlines, once per interval).
class Compactor {
 public:
  struct Options {
    std::string member_id;
    std::chrono::seconds interval{std::chrono::minutes(5)};  // 0 = off
    // The director's fence (Director::fence()); nullopt = not the director: do nothing.
    std::function<std::optional<store::DirectorFence>()> fence;
    // Seconds since the epoch (tests move it).
    std::function<int64_t()> now_unix;
  };

  Compactor(boost::asio::io_context& io, std::shared_ptr<store::Store> store, Options options);
  Compactor(const Compactor&) = delete;
  Compactor& operator=(const Compactor&) = delete;

  void start();                                     // loop: checks on its period from now
  void setInterval(std::chrono::seconds interval);  // loop: etcd-compaction-interval changed
  void check();                                     // loop: one check now (the timer's; tests)

  int64_t compactedRevision() const { return compacted_revision_.load(); }  // any thread
  uint64_t compactions() const { return compactions_.load(); }              // any thread

 private:
  void schedule();

  std::shared_ptr<store::Store> store_;
  Options options_;
  boost::asio::steady_timer timer_;
  bool started_ = false;
  std::atomic<int64_t> compacted_revision_{0};
  std::atomic<uint64_t> compactions_{0};
  Lifetime lifetime_;  // last: ends first
};

}  // namespace ninevolt::cluster
