#include "engine/engine.h"

#include <future>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "engine/scheduler.h"
#include "engine/worker.h"

namespace ninevolt::engine {

Engine::Engine(Options options) : options_(std::move(options)) {
  size_t n = options_.workers;
  if (n == 0) {
    n = std::max(1U, std::thread::hardware_concurrency());
  }
  options_.workers = n;  // the workers split per-engine limits by it
  workers_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    workers_.push_back(std::make_unique<Worker>(i, options_));
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

void Engine::upsert(config::MonitorSpec spec, std::optional<state::Seed> seed) {
  Worker& w = workerFor(spec.name);
  w.post([&w, spec = std::move(spec), seed]() mutable { w.upsert(std::move(spec), seed); });
}

void Engine::remove(const std::string& name) {
  Worker& w = workerFor(name);
  w.post([&w, name] { w.remove(name); });
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
  std::vector<checks::CheckResult> results(specs.size());
  std::vector<std::unique_ptr<checks::Check>> running(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    auto check = registry.create(specs[i], io);
    if (!check) {
      results[i] = checks::CheckResult::unknown(check.error().message);
      results[i].time = std::chrono::system_clock::now();
      continue;
    }
    running[i] = std::move(*check);
    auto started = std::chrono::steady_clock::now();
    results[i].time = std::chrono::system_clock::now();
    running[i]->start([&results, i, started, time = results[i].time](checks::CheckResult r) {
      r.time = time;
      r.duration = std::chrono::steady_clock::now() - started;
      results[i] = std::move(r);
    });
  }
  io.run();  // returns when every run has completed
  return results;
}

}  // namespace ninevolt::engine
