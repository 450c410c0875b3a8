#include "engine/engine.h"

#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <malloc.h>

#include "engine/scheduler.h"
#include "engine/worker.h"
#include "metrics/text.h"

namespace ninevolt::engine {
namespace {

constexpr size_t kTrimAbove = 4 << 20;  // bytes of per-check text

}  // namespace

Engine::Engine(Options options) : options_(std::move(options)) {
  size_t n = options_.workers;
  if (n == 0) {
    n = std::max(1U, std::thread::hardware_concurrency());
  }
  options_.workers = n;  // the workers split per-engine limits by it
  workers_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    workers_.push_back(std::make_unique<Worker>(i, options_, held_));
  }
}

Engine::~Engine() {
  for (auto& w : workers_) {
    w->stop();
  }
}

Engine::Worker& Engine::workerFor(const std::string& name) {
  return *workers_[stableHash(name) % workers_.size()];
}

void Engine::upsert(config::MonitorSpec spec, std::optional<state::Seed> seed,
                    std::optional<common::SystemTime> last_run) {
  upsert(config::shareMonitor(std::move(spec)), seed, last_run);
}

void Engine::upsert(config::SharedMonitor spec, std::optional<state::Seed> seed,
                    std::optional<common::SystemTime> last_run) {
  Worker& w = workerFor(spec->name);
  w.post([&w, spec = std::move(spec), seed, last_run]() mutable {
    w.upsert(std::move(spec), seed, last_run);
  });
}

void Engine::remove(const std::string& name) {
  Worker& w = workerFor(name);
  w.post([&w, name] { w.remove(name); });
}

void Engine::removeAll() {
  for (auto& w : workers_) {
    w->post([w = w.get()] { w->removeAll(); });
  }
}

EngineStats Engine::stats() const {
  EngineStats s;
  for (const auto& w : workers_) {
    s.checks += w->checks.load(std::memory_order_relaxed);
    s.runs += w->runs.load(std::memory_order_relaxed);
    s.skipped += w->skipped.load(std::memory_order_relaxed);
    s.in_flight += w->in_flight.load(std::memory_order_relaxed);
    s.waiting += w->waiting.load(std::memory_order_relaxed);
    s.errors += w->errors.load(std::memory_order_relaxed);
  }
  return s;
}

metrics::HistogramSnapshot Engine::lagHistogram() const {
  metrics::HistogramSnapshot all;
  for (const auto& w : workers_) {
    all.merge(w->lag.snapshot());
  }
  return all;
}

void Engine::renderEngineMetrics(metrics::Writer& out) const {
  const EngineStats s = stats();
  out.gauge("ninevolt_engine_checks", "Checks configured in the engine (enabled, owned here).",
            s.checks);
  out.counter("ninevolt_engine_runs_total", "Check runs completed (rate() = runs per second).",
              s.runs);
  out.counter("ninevolt_engine_skipped_runs_total",
              "Due runs skipped because the check's previous run was still going (or still "
              "waiting to start).",
              s.skipped);
  out.gauge("ninevolt_engine_runs_in_flight", "Check runs going on right now.", s.in_flight);
  out.gauge("ninevolt_engine_runs_waiting",
            "Runs due and not started yet (a busy loop, or --max-exec reached).", s.waiting);
  out.counter("ninevolt_engine_check_errors_total",
              "Checks that could not be created from their spec, and result consumers that "
              "failed (see the log).",
              s.errors);
  out.family("ninevolt_engine_schedule_lag_seconds", metrics::Type::kHistogram,
             "How late runs started after their due time.");
  out.histogram("ninevolt_engine_schedule_lag_seconds", {}, lagHistogram());
}

void Engine::renderCheckMetrics(std::string& out, std::chrono::milliseconds limit) const {
  struct Part {
    std::shared_ptr<CheckSeriesText> text = std::make_shared<CheckSeriesText>();
    std::future<void> done;
  };
  std::vector<Part> parts(workers_.size());
  for (size_t i = 0; i < workers_.size(); ++i) {
    auto done = std::make_shared<std::promise<void>>();
    parts[i].done = done->get_future();
    Worker* w = workers_[i].get();
    w->post([w, text = parts[i].text, done]() mutable {
      w->renderChecks(0, w->scheduleSeq(), text, done);
    });
  }
  const auto until = std::chrono::steady_clock::now() + limit;
  std::vector<bool> ok(parts.size(), false);
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].done.wait_until(until) != std::future_status::ready) {
      continue;
    }
    try {
      parts[i].done.get();
      ok[i] = true;
    } catch (const std::future_error&) {
      // broken promise: the worker stopped before it got to it
    }
  }
  struct Family {
    const char* name;
    metrics::Type type;
    const char* help;
  };
  static constexpr std::array<Family, CheckSeriesText::kFamilies> kFamilies{{
      {"ninevolt_check_up", metrics::Type::kGauge,
       "1 if the last run of the check was OK, else 0 (after its first run here)."},
      {"ninevolt_check_state", metrics::Type::kGauge,
       "1 for the state the check is in (ok, warning, critical: after thresholds), 0 for the "
       "others."},
      {"ninevolt_check_last_duration_seconds", metrics::Type::kGauge,
       "How long the last run of the check took."},
      {"ninevolt_check_runs_total", metrics::Type::kCounter,
       "Runs of the check completed on this member since it was assigned here."},
      {"ninevolt_check_failures_total", metrics::Type::kCounter,
       "Runs of the check that were not OK, by reason (series appear at the first failure of "
       "that reason)."},
  }};
  size_t size = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    for (const auto& b : parts[i].text->blocks) {
      size += ok[i] ? b.size() : 0;
    }
  }
  out.reserve(out.size() + size + 1024);
  for (size_t f = 0; f < kFamilies.size(); ++f) {
    metrics::appendHeader(out, kFamilies[f].name, kFamilies[f].type, kFamilies[f].help);
    for (size_t i = 0; i < parts.size(); ++i) {
      if (ok[i]) {
        out += parts[i].text->blocks[f];
      }
      std::string().swap(parts[i].text->blocks[f]);
    }
  }
  parts.clear();
  if (size > kTrimAbove) {
    // The blocks were allocated on the worker threads: glibc keeps what they freed in those
    // threads' arenas, which at 100,000 checks left the process ~65 MiB larger after each
    // scrape. Hand it back.
    malloc_trim(0);
  }
}

size_t Engine::workers() const {
  return workers_.size();
}

void Engine::sync() {
  for (auto& w : workers_) {
    std::promise<void> p;
    w->post([&p] { p.set_value(); });
    p.get_future().wait();
  }
}

std::vector<checks::CheckResult> runOnce(const checks::Registry& registry,
                                         const std::vector<config::MonitorSpec>& specs) {
  boost::asio::io_context io;
  // Run until every check has reported, not until the loop is out of work: a check may wait
  // on another thread (grpc's callbacks post back here) or keep a wait of its own open on
  // the loop (icmp's shared socket).
  auto guard = boost::asio::make_work_guard(io);
  std::vector<checks::CheckResult> results(specs.size());
  std::vector<std::unique_ptr<checks::Check>> running(specs.size());
  size_t pending = 0;
  for (size_t i = 0; i < specs.size(); ++i) {
    auto check = registry.create(config::shareMonitor(specs[i]), io);
    if (!check) {
      results[i] = checks::CheckResult::unknown(check.error().message);
      results[i].time = std::chrono::system_clock::now();
      continue;
    }
    running[i] = std::move(*check);
    auto started = std::chrono::steady_clock::now();
    results[i].time = std::chrono::system_clock::now();
    ++pending;
    running[i]->start(
        [&results, &pending, i, started, time = results[i].time](checks::CheckResult r) {
          r.time = time;
          r.duration = std::chrono::steady_clock::now() - started;
          results[i] = std::move(r);
          --pending;
        });
  }
  // Each check enforces its own timeout, so every one reports.
  while (pending > 0 && io.run_one() > 0) {
  }
  running.clear();  // before the loop: checks release what they hold on it
  return results;
}

}  // namespace ninevolt::engine
