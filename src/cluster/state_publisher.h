#pragma once

#include <map>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cluster/lifetime.h"
#include "engine/engine.h"
#include "store/store.h"

namespace ninevolt::cluster {

// Publishes what this member's checks are doing to etcd without letting the write rate
// grow with the number of checks:
// - /9volt/state/<check> = {check, owner, status, result, count, message, date, duration_ms}
//   is written only when status, count or message changed, batched (every flush interval,
//   ~1 s; up to 120 keys per txn), and only while the check's monitor exists (the director
//   deletes the state of deleted monitors; a late write must not bring it back);
// - last-run times of every check go into a per-member digest,
//   /9volt/cluster/digest/<member>/<shard>, written every digest interval
//   (state-dump-interval) in one txn (several, each under 1 MiB, beyond ~50,000 checks on
//   one member: etcd refuses requests over 1.5 MiB).
// While etcd is unreachable the pending writes wait (one entry per check, so the queue is
// bounded by the number of checks) and go out after reconnect.
// onResult() may be called from any thread (engine workers); the rest runs on the loop.
class StatePublisher {
 public:
  struct Options {
    std::string member_id;
    std::chrono::milliseconds flush_interval{1000};
    std::chrono::milliseconds digest_interval{10000};
  };

  StatePublisher(boost::asio::io_context& io, std::shared_ptr<store::Store> store, Options options);
  ~StatePublisher() = default;
  StatePublisher(const StatePublisher&) = delete;
  StatePublisher& operator=(const StatePublisher&) = delete;

  void onResult(const engine::RunReport& report);  // any thread
  // Loop; digest keys go on this lease (a new lease while running: rewritten on it now).
  void start(int64_t lease_id);
  // Loop; state-dump-interval changed: the next digest is one new interval from now.
  void setDigestInterval(std::chrono::milliseconds interval);
  void forget(const std::string& check);  // loop; the check left this member
  void flush();                           // loop; write what is pending now

  uint64_t writes() const { return writes_; }  // state keys written (tests, metrics)

 private:
  struct Last {
    std::string status;
    int count = -1;
    std::string message;
  };
  void apply(const std::string& check, state::CheckState state, checks::Status result, int count,
             const std::string& message, common::SystemTime time, common::Nanos duration);
  void scheduleFlush();
  void writeDigest();

  boost::asio::io_context& io_;
  std::shared_ptr<store::Store> store_;
  Options options_;
  int64_t lease_id_ = 0;
  boost::asio::steady_timer flush_timer_;
  boost::asio::steady_timer digest_timer_;
  std::map<std::string, Last> written_;
  std::map<std::string, nlohmann::json> pending_;
  std::map<std::string, int64_t> last_run_;  // check -> unix seconds
  uint64_t writes_ = 0;
  bool running_ = false;
  Lifetime lifetime_;  // last: ends first
};

}  // namespace ninevolt::cluster
