#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "cluster/lifetime.h"
#include "store/store.h"

namespace ninevolt::cluster {

// A dead man's switch for the whole cluster (cluster config `watchdog-url`,
// `watchdog-interval`; docs/locations.md "Monitoring the monitor"): while this member is the
// director, it POSTs to the URL every interval, so an outside service (healthchecks-style)
// notices when the cluster, or its etcd, is down: no director, no calls.
//
// At most one call per interval across director changes: each second the director reads
// /9volt/cluster/watchdog {member, unix}; once it is an interval old (or absent) a fenced txn
// writes it anew (the director key still ours, the record unchanged), and only then is the
// URL called, on a thread of its own (deadline: min(10 s, interval / 2)). A director that
// dies between the write and the call costs one call; two never call for one record.
// Runs on the cluster loop.
class Watchdog {
 public:
  struct Options {
    std::string member_id;
    std::string user_agent = "9volt";
    std::function<std::optional<store::DirectorFence>()> fence;  // nullopt: not the director
    std::function<int64_t()> now_unix;                           // seconds (tests move it)
    // Called on the caller thread when calls start failing and when they work again.
    std::function<void(bool ok, const std::string& message)> on_change;
  };

  Watchdog(boost::asio::io_context& io, std::shared_ptr<store::Store> store, Options options);
  ~Watchdog();  // waits for a call in flight (at most its deadline)
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void start();                                                     // loop
  void set(const std::string& url, std::chrono::seconds interval);  // loop
  void check();                                                     // loop: one check now

  uint64_t calls() const { return calls_; }        // any thread
  uint64_t failures() const { return failures_; }  // any thread

 private:
  void schedule();
  void call(std::string url, std::chrono::milliseconds timeout);  // caller thread

  std::shared_ptr<store::Store> store_;
  Options options_;
  boost::asio::steady_timer timer_;
  std::string url_;
  std::chrono::seconds interval_{60};
  bool started_ = false;
  std::atomic<bool> in_flight_{false};
  std::atomic<uint64_t> calls_{0};
  std::atomic<uint64_t> failures_{0};
  bool failing_ = false;  // caller thread
  // The calls, started with the first (a cluster without a watchdog has no such thread).
  std::optional<boost::asio::thread_pool> caller_;
  Lifetime lifetime_;  // last: ends first
};

}  // namespace ninevolt::cluster
