#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "events/event_queue.h"
#include "store/store.h"

namespace ninevolt::events {

// The cluster event log writer: what happened in the cluster, kept in etcd at
// /9volt/event/<time>-<member>-<seq> for `retention` (24 h) and at most `max_events`.
//
// record() never waits for etcd: it puts the event in a bounded queue (the oldest is
// dropped beyond queue_limit, counted and logged) and a writer thread of its own writes
// batches with the etcd client's deadlines. While etcd is unreachable the events stay
// queued, with their original times, and are written when it is back (so "etcd connection
// lost" reaches etcd after the outage, dated when it was noticed).
//
// Keys never collide: time (microseconds) + member id + a per-process sequence, and every
// write is create-if-absent; a key that exists (the same member restarted within the same
// microsecond) is written under the next sequence number instead, unless it holds this very
// event (a write whose answer was lost), which is not written twice.
//
// Retention without deleting: every member writes on one shared lease, recorded at
// /9volt/cluster/event-lease, with TTL retention + rotation. A member that finds it with
// less than `retention` left replaces it (txn on the record's revision; one member wins,
// the others adopt the winner's). Events written on a lease live between retention and
// retention + rotation, and expire in batches, a lease at a time.
//
// Count cap: while setTrimming(true) (the director), every trim_interval the oldest events
// beyond max_events are deleted in one range delete.
//
// Thread-safety: every method may be called from any thread. The destructor stops the
// writer (waiting at most for the etcd call in flight); events still queued are lost then,
// call flush() first to write them.
class EventLog {
 public:
  struct Options {
    std::string member_id;
    std::chrono::seconds retention{std::chrono::hours(24)};
    std::chrono::seconds rotation{std::chrono::hours(1)};
    size_t max_events = 10000;   // in etcd (trimmed by the member with setTrimming)
    size_t queue_limit = 10000;  // waiting for etcd in this process
    std::chrono::milliseconds trim_interval{std::chrono::seconds(10)};
    std::chrono::milliseconds max_backoff{std::chrono::seconds(2)};  // retries while etcd fails
    std::function<common::SystemTime()> now;  // default: the system clock (tests: a fixed one)
  };

  struct Stats {
    uint64_t recorded = 0;
    uint64_t written = 0;
    uint64_t dropped = 0;  // queue overflow
    uint64_t trimmed = 0;  // deleted by the count cap
    size_t queued = 0;     // waiting, including a batch being written
  };

  EventLog(std::shared_ptr<store::Store> store, Options options);
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Queues the event. An unset time becomes now, an unset member_id this member's; messages
  // are cut at 4 KiB.
  void record(store::Event event);
  void record(const char* type, const char* kind, std::string message, std::string check = {},
              std::string member = {});

  // The director trims the log to max_events; the others do not.
  void setTrimming(bool on);

  // New retention, rotation and count cap (the cluster config changed). They apply to what
  // is written from now on: the next write re-checks the shared lease (one granted for a
  // longer retention, or that would keep events longer than retention + rotation, is
  // replaced; events already on the old lease expire with it), the next trim uses the cap.
  void setLimits(std::chrono::seconds retention, std::chrono::seconds rotation, size_t max_events);

  // Waits until everything recorded so far is written (true) or timeout passes (false).
  bool flush(std::chrono::milliseconds timeout);

  Stats stats() const;
  int64_t leaseId() const { return lease_id_.load(); }  // the shared lease in use; 0 = none yet

  static constexpr size_t kMaxMessageBytes = 4096;

 private:
  void run();
  // Writes batch; on failure, batch keeps the events not written (to be queued again).
  bool write(std::vector<store::StoredEvent>& batch);
  bool writeOneByOne(std::vector<store::StoredEvent>& batch, int64_t lease);
  Result<int64_t> ensureLease();
  void trim();
  void noteFailure(const std::string& what);
  common::SystemTime now() const;

  struct Limits {
    std::chrono::seconds retention;
    std::chrono::seconds rotation;
    size_t max_events;
  };

  std::shared_ptr<store::Store> store_;
  Options options_;
  std::atomic<uint64_t> next_seq_{0};
  std::atomic<int64_t> lease_id_{0};
  std::chrono::steady_clock::time_point rotate_at_;  // writer thread only
  bool failing_ = false;                             // writer thread only
  Limits active_;                                    // writer thread only: limits_ in use

  mutable std::mutex mu_;
  std::condition_variable wake_;     // writer: new events, trimming on, stop
  std::condition_variable drained_;  // flush(): queue empty
  EventQueue queue_;
  size_t in_flight_ = 0;
  bool stopping_ = false;
  bool trimming_ = false;
  bool dropping_ = false;  // an overflow episode is going on (logged once)
  Limits limits_;          // as last set; the writer takes them before each batch
  bool limits_changed_ = false;
  uint64_t dropped_logged_ = 0;
  std::chrono::steady_clock::time_point next_trim_;
  uint64_t recorded_ = 0;
  uint64_t written_ = 0;
  uint64_t trimmed_ = 0;
  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace ninevolt::events
