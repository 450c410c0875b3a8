#pragma once

#include <array>
#include <deque>
#include <future>
#include <thread>
#include <unordered_map>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "checks/loop_link.h"
#include "engine/engine.h"
#include "engine/scheduler.h"
#include "metrics/metrics.h"

namespace ninevolt::engine {

// One engine loop: an io_context on its own thread, the checks sharded to it, their
// scheduler and state machines. Everything below runs on that thread only; the public
// entry points post into it.
class Engine::Worker {
 public:
  Worker(size_t index, const Engine::Options& options, const std::atomic<bool>& held);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void post(std::function<void()> fn);
  void upsert(config::SharedMonitor spec, std::optional<state::Seed> seed,
              std::optional<common::SystemTime> last_run);  // loop thread
  void remove(const std::string& name);                     // loop thread
  void removeAll();                                         // loop thread
  void stop();  // cancels every check on the loop, then joins the thread

  std::atomic<uint64_t> checks{0};
  std::atomic<uint64_t> runs{0};
  std::atomic<uint64_t> skipped{0};
  std::atomic<uint64_t> in_flight{0};
  std::atomic<uint64_t> waiting{0};
  std::atomic<uint64_t> errors{0};
  metrics::Histogram lag{metrics::kLatencyBuckets};  // seconds; this worker's runs only

  // Appends the per-check series of this worker's checks to `into`, kRenderSlice checks
  // per loop turn. Loop thread; `done` is set after the last slice (and broken if the loop
  // stops first: the promise goes with the queued handler). Call with from_slot 0 and
  // since = scheduleSeq(): checks (re)scheduled after that are left out, so a check whose
  // changed spec moves it to a later slot mid-render is not rendered twice (a duplicate
  // series would make Prometheus reject the whole scrape); it is back in the next one.
  void renderChecks(size_t from_slot, uint64_t since, std::shared_ptr<CheckSeriesText> into,
                    std::shared_ptr<std::promise<void>> done);
  uint64_t scheduleSeq() const { return schedule_seq_; }  // loop thread

 private:
  // Only what the loop needs after the check is created: the check keeps its own copy of
  // the spec, and a second full MonitorSpec here (~1.3 KiB with its JSON tree) was the
  // largest part of the engine's memory per check.
  // Per-check numbers for /metrics: plain fields, written and read on the loop thread only.
  struct Counters {
    uint64_t runs = 0;
    // By checks::Failure ([kNone] unused). 32 bits: 136 years of a failure a second.
    std::array<uint32_t, checks::kFailureKinds> failures{};
    int64_t last_duration_ns = -1;  // -1: no run yet
    bool last_ok = false;
  };
  struct Entry {
    // The spec it runs, shared with the manager and the alert dispatcher (its fingerprint
    // tells a changed spec from an unchanged one).
    config::SharedMonitor spec;
    const std::string& name() const { return spec->name; }
    Nanos interval{0};  // how often it runs: CheckTypeDef::runEvery()
    std::unique_ptr<checks::Check> check;
    state::StateMachine machine;
    uint32_t slot = 0;
    int64_t due_ns = 0;  // of the run in flight
    common::SystemTime started_wall{};
    int64_t started_ns = 0;
    bool running = false;         // started and not yet done (vs merely due, waiting in ready_)
    bool starts_process = false;  // check->startsProcess(), kept for the hot path
    uint64_t scheduled_seq = 0;   // schedule_seq_ when last scheduled (renderChecks)
    // Set while a finished run waits for another member's confirmation (ConfirmFn); reset
    // when the check is cancelled, so a late answer finds it gone.
    std::shared_ptr<int> confirm_token;
    Counters counters;
  };
  struct Ready {
    Entry* entry;
    int64_t due_ns;
  };
  // How many runs one turn of the loop starts before letting completions and I/O through:
  // starting a run can be expensive (an exec spawn takes ~0.7 ms), and a wake-up with
  // thousands due must not starve the rest of the loop.
  static constexpr size_t kStartsPerTurn = 32;
  // Of which at most this many spawn a process (~3 ms of loop time), so a backlog of exec
  // runs delays the other checks of the loop by no more than that per turn.
  static constexpr size_t kProcessStartsPerTurn = 4;
  // Checks rendered per loop turn for /metrics (~0.1-0.3 ms of loop time).
  static constexpr size_t kRenderSlice = 256;
  void appendSeries(const Entry& e, CheckSeriesText& into) const;

  static int64_t nowNs();
  // last_run: Engine::upsert's, for a check new to this loop.
  void schedule(Entry& entry, std::optional<common::SystemTime> last_run = std::nullopt);
  void unschedule(Entry& entry);
  void arm();
  // The wake-up for a run due at `due_ns`: the next point of the wake_step grid.
  int64_t wakeFor(int64_t due_ns) const;
  void onWake();
  void startReady();
  void continueLater();  // another startReady() after what the loop has queued
  void startRun(Entry& entry, int64_t due_ns);
  void onDone(Entry& entry, checks::CheckResult result);
  // The rest of onDone(), after a confirmation when one was asked for (`answer`).
  void finishRun(Entry& entry, checks::CheckResult result, const ConfirmAnswer* answer);

  size_t index_;
  const Engine::Options& options_;
  const std::atomic<bool>& held_;  // Engine::setHeld()
  size_t max_processes_;           // this worker's share of Options::max_processes
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  boost::asio::steady_timer timer_;
  int64_t armed_for_ = INT64_MAX;  // the wake-up the timer is set for (wakeFor())
  Scheduler scheduler_;
  std::unordered_map<std::string, std::unique_ptr<Entry>> entries_;
  std::vector<Entry*> by_slot_;
  std::deque<Ready> ready_;            // due, not yet started (in start order)
  std::deque<Ready> ready_processes_;  // the same for checks that start a process
  size_t processes_ = 0;               // process runs in flight
  bool start_posted_ = false;
  uint64_t schedule_seq_ = 0;                                           // schedule() calls so far
  std::array<size_t, CheckSeriesText::kFamilies> last_render_sizes_{};  // renderChecks
  std::shared_ptr<checks::LoopLink> link_;  // confirmations post back through it
  std::thread thread_;
};

}  // namespace ninevolt::engine
