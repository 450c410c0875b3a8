#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checks/registry.h"
#include "common/clock.h"
#include "config/spec.h"
#include "metrics/metrics.h"
#include "metrics/text.h"
#include "state/state_machine.h"

namespace ninevolt::engine {

using common::Nanos;

// What one completed run produced. Delivered on the worker thread that ran it.
struct RunReport {
  std::string check;
  checks::CheckResult result;  // time and duration stamped by the engine
  state::CheckState state = state::CheckState::kOk;
  int count = 0;          // consecutive non-OK results
  int settled_count = 1;  // counts above this change no state (StateMachine::settledCount)
  // Set when the state changed with this run, or the check started or stopped flapping.
  std::optional<state::Transition> transition;
  bool flapping = false;
  state::FlapHistory history;  // the states of its last runs, this one included
  Nanos lag{0};                // how late the run started vs its due time
  uint64_t skipped = 0;        // due times this check skipped so far (overlap)
};

// The per-check series of some checks, one text block per family (the text format wants
// each family's series together, so per-worker blocks are joined family by family).
struct CheckSeriesText {
  enum Family { kUp, kState, kLastDuration, kRuns, kFailures, kFamilies };
  std::array<std::string, kFamilies> blocks;
};

// Another member's word on a failure about to page (monitor field `confirm`).
struct ConfirmAnswer {
  enum Kind {
    kConfirmed,     // it failed there too: CRITICAL is entered
    kNotConfirmed,  // it passed there: the failure counts and pages nobody
    kAlone,         // nobody answered in time (or may run it): the owner decides alone
  };
  Kind kind = kAlone;
  std::string member;   // who ran it ("" for kAlone)
  std::string message;  // its result's message, or why nobody answered
};
// Asks for a confirmation of `result` of `spec`; `done` is called exactly once, on any
// thread, within the spec's timeout + 1 s.
using ConfirmFn =
    std::function<void(const config::SharedMonitor& spec, const checks::CheckResult& result,
                       std::function<void(ConfirmAnswer)> done)>;

struct EngineStats {
  uint64_t checks = 0;     // configured (enabled) checks
  uint64_t runs = 0;       // completed runs
  uint64_t skipped = 0;    // due times skipped because the previous run was still going
  uint64_t in_flight = 0;  // runs going on right now
  uint64_t waiting = 0;    // due and not started yet (a busy loop, or max_processes reached)
  uint64_t errors = 0;     // checks that could not be created (see the log)
};

// The check engine: one asio loop per worker thread, checks sharded over the workers by a
// stable hash of the name, each worker scheduling its checks with one timer (Scheduler) and
// running them with the non-blocking check implementations. Nothing on the run path takes
// a lock.
//
// upsert/remove may be called from any thread (they post to the owning worker). on_result
// is called on worker threads, concurrently from different workers: it must be
// thread-safe and quick (post heavier work elsewhere).
class Engine {
 public:
  struct Options {
    size_t workers = 0;  // 0 = one per core
    // Runs that start a process (exec) in flight at once, engine-wide (split evenly over
    // the workers, at least one each). Beyond it they wait, late, and a wait past their
    // next due time counts as skipped: a slow plugin or a spawn storm cannot exhaust the
    // process table or the descriptors, nor hold up the other checks.
    size_t max_processes = 256;
    // A worker wakes on a grid of this step (a run starts at most this late), so the runs
    // due within one step start from one wake-up: at 1,000 runs/s a wake-up (and its timer
    // syscalls and context switch) per run was a fifth of the engine's CPU. 0 = wake for
    // each due time exactly.
    std::chrono::milliseconds wake_step{5};
    std::shared_ptr<const checks::Registry> registry;
    std::function<void(const RunReport&)> on_result;
    // A run of a `confirm` check that would enter CRITICAL waits for this (the run counts as
    // in flight meanwhile); null: every check decides alone.
    ConfirmFn confirm;
  };

  explicit Engine(Options options);
  ~Engine();  // stops the workers: in-flight runs are cancelled, no callback afterwards
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Adds a check or updates it. An update whose spec is unchanged does nothing; a changed
  // spec restarts only that check and keeps its state (count, state). A disabled spec is
  // removed. For a check new to this engine (both ignored for one already running):
  // - `seed` sets its state;
  // - `last_run` says when it last ran anywhere (wall clock; an earlier time than the real
  //   one is fine, a later one is not): if that is longer ago than its interval it missed a
  //   due time while it moved, and its first run here is at once, then on its phase;
  //   otherwise, or when unknown, its first run is at its phase (spread, Scheduler).
  // The spec is shared, not copied: the engine keeps the pointer for as long as it runs it.
  void upsert(config::SharedMonitor spec, std::optional<state::Seed> seed = std::nullopt,
              std::optional<common::SystemTime> last_run = std::nullopt);
  // A spec not shared yet (tests, benchmarks): shareMonitor(spec).
  void upsert(config::MonitorSpec spec, std::optional<state::Seed> seed = std::nullopt,
              std::optional<common::SystemTime> last_run = std::nullopt);
  // Stops and forgets a check; an in-flight run is cancelled with no callback.
  void remove(const std::string& name);
  // remove() of every check, after whatever was asked before (a lost lease).
  void removeAll();

  EngineStats stats() const;
  // Schedule lag (due time to start) of every run so far, in seconds.
  metrics::HistogramSnapshot lagHistogram() const;
  // The engine-wide families (ninevolt_engine_*: stats() and lagHistogram()). Any thread.
  void renderEngineMetrics(metrics::Writer& out) const;
  // Appends the per-check families (ninevolt_check_*: HELP, TYPE and one series per check
  // of this engine, docs/api.md) to out. Any thread except a worker's: it waits (at most
  // `limit`) while each worker renders its own checks in slices between runs, so no lock
  // and no atomic is added to the run path. A worker that does not answer in time (engine
  // stopping) contributes nothing.
  void renderCheckMetrics(std::string& out,
                          std::chrono::milliseconds limit = std::chrono::seconds(10)) const;
  size_t workers() const;
  // Held (this member's canaries fail, cluster/canaries.h): every run of a check whose name
  // does not start with kCanaryPrefix gives no verdict, so no state changes and nothing is
  // alerted from here until it is released. Any thread.
  void setHeld(bool held) { held_ = held; }
  bool held() const { return held_; }
  static constexpr std::string_view kCanaryPrefix = "canary:";
  // Waits until every upsert/remove posted so far has been applied (tests, benchmarks).
  void sync();

 private:
  class Worker;
  Worker& workerFor(const std::string& name);

  Options options_;
  std::atomic<bool> held_{false};
  std::vector<std::unique_ptr<Worker>> workers_;
};

// Runs each spec once, concurrently on one loop on the calling thread, and returns the
// results in the same order (`9volt check`). A check that cannot be created gives an
// UNKNOWN result saying why.
std::vector<checks::CheckResult> runOnce(const checks::Registry& registry,
                                         const std::vector<config::MonitorSpec>& specs);

}  // namespace ninevolt::engine
