#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cluster/lifetime.h"
#include "engine/engine.h"
#include "store/store.h"

namespace ninevolt::cluster {

// Publishes what this member's checks are doing to etcd without letting the write rate
// grow with the number of checks, at steady state or in an outage:
// - /9volt/state/<check> = {check, owner, status, result, count, message, date, duration_ms}
//   is what the next owner continues from. It is written, batched every flush interval
//   (~1 s, up to 120 keys per txn), when something the next owner needs changed: the status,
//   or the count up to the check's settled count (its highest threshold; beyond it a failure
//   changes nothing but the count). So a check that keeps failing costs at most
//   (highest threshold + 1) writes, then none, however long the outage lasts. Flapping
//   starting or stopping is needed too; the history of states (state/flap.h) goes with
//   every write (between writes every run had the written state: the next owner fills it
//   in from the date).
//   What is only shown (a count past the settled one, a new message with the same status)
//   is written later, at most kCosmeticPerFlush keys per flush over the whole member: a
//   constant rate, not one that grows with the failing checks.
//   Each put only while the check's monitor exists (the director deletes the state of
//   deleted monitors; a late write must not bring it back).
// - /9volt/cluster/digest/<member>/summary = {member, date, checks, runs, late_total, late},
//   every digest interval (state-dump-interval) on the member's lease: how many checks ran,
//   and which ran late (started more than kLateAfter after their due time, or skipped a due
//   time), at most kLateListed of them. Its size does not depend on the number of checks.
//   On-time runs are not recorded: their times follow from the schedule.
// While etcd is unreachable the pending writes wait (one entry per check, so the queue is
// bounded by the number of checks) and go out after reconnect.
// onResult() may be called from any thread (engine workers): it appends to an inbox that
// the loop drains once per flush, so a run costs no wake-up of the loop.
class StatePublisher {
 public:
  struct Options {
    std::string member_id;
    std::chrono::milliseconds flush_interval{1000};
    std::chrono::milliseconds digest_interval{10000};
  };
  static constexpr size_t kCosmeticPerFlush = 5;
  static constexpr std::chrono::seconds kLateAfter{1};
  static constexpr size_t kLateListed = 100;

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
  size_t cosmeticPending() const { return cosmetic_.size(); }  // loop (tests)

 private:
  // One run as the publisher needs it (copied on the worker thread).
  struct Run {
    std::string check;
    state::CheckState state = state::CheckState::kOk;
    checks::Status result = checks::Status::kOk;
    int count = 0;
    int settled_count = 1;
    std::string message;
    common::SystemTime time;
    common::Nanos duration{0};
    common::Nanos lag{0};
    uint64_t skipped = 0;
    bool flapping = false;
    state::FlapHistory history;
  };
  struct Written {  // what the state key says (or will, once pending goes out)
    state::CheckState state = state::CheckState::kOk;
    bool flapping = false;
    int count = -1;
    size_t message_hash = 0;
    uint64_t skipped = 0;  // due times skipped so far (RunReport::skipped), to see new ones
  };
  struct Late {
    int64_t run = 0;  // unix seconds
    int64_t lag_ms = 0;
    uint64_t skipped = 0;
  };

  void drainInbox();
  void apply(Run& run);
  void scheduleFlush();
  void writeDigest();
  void scheduleDigest();
  // Writes all of these (check -> value) in fenced batches, taking each out once written;
  // false if etcd failed (the rest is kept).
  bool write(std::map<std::string, Run>& from);

  std::shared_ptr<store::Store> store_;
  Options options_;
  int64_t lease_id_ = 0;
  boost::asio::steady_timer flush_timer_;
  boost::asio::steady_timer digest_timer_;
  std::mutex inbox_mu_;
  std::vector<Run> inbox_;  // guarded by inbox_mu_
  std::map<std::string, Written> written_;
  std::map<std::string, Run> pending_;   // needed by the next owner: every flush
  std::map<std::string, Run> cosmetic_;  // only shown: kCosmeticPerFlush per flush
  std::string cosmetic_cursor_;          // round robin through cosmetic_
  std::map<std::string, Late> late_;
  uint64_t runs_since_digest_ = 0;
  uint64_t writes_ = 0;
  bool running_ = false;
  Lifetime lifetime_;  // last: ends first
};

}  // namespace ninevolt::cluster
