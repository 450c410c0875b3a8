#include "engine/worker.h"

#include <algorithm>
#include <chrono>
#include <future>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/thread_name.h"
#include "common/utf8.h"
#include "metrics/text.h"

namespace ninevolt::engine {

Engine::Worker::Worker(size_t index, const Engine::Options& options, const std::atomic<bool>& held)
    : index_(index),
      options_(options),
      held_(held),
      max_processes_(
          std::max<size_t>(1, options.max_processes / std::max<size_t>(1, options.workers))),
      work_(boost::asio::make_work_guard(io_)),
      timer_(io_),
      link_(checks::loopLink(io_)),
      thread_([this, index] {
        common::nameThisThread("9v-worker-" + std::to_string(index));
        // Never let an exception from a callback kill the loop: log, count, go on.
        while (true) {
          try {
            io_.run();
            return;
          } catch (const std::exception& e) {
            errors++;
            spdlog::error("engine worker {}: {}", index_, e.what());
          }
        }
      }) {}

Engine::Worker::~Worker() {
  stop();
}

void Engine::Worker::post(std::function<void()> fn) {
  boost::asio::post(io_, std::move(fn));
}

int64_t Engine::Worker::nowNs() {
  // The only place the engine reads the clock (the scheduler works on numbers).
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void Engine::Worker::schedule(Entry& entry, std::optional<common::SystemTime> last_run) {
  entry.scheduled_seq = ++schedule_seq_;
  const int64_t now = nowNs();
  std::optional<int64_t> last_run_ns;
  if (last_run) {
    // From the wall clock (another member's) onto this loop's monotonic axis. Saturated: a
    // date from long ago (or garbage in etcd) must not overflow; one from the future (clock
    // skew) counts as "just ran".
    constexpr auto kLongAgo = std::chrono::hours(24 * 365 * 100);
    const auto wall = std::chrono::system_clock::now();
    using Ns = std::chrono::nanoseconds;
    const Ns ago = *last_run < wall - kLongAgo ? Ns(kLongAgo)
                   : *last_run > wall          ? Ns(0)
                                               : std::chrono::duration_cast<Ns>(wall - *last_run);
    last_run_ns = now - ago.count();
  }
  entry.slot = scheduler_.add(entry.name(), entry.interval, now, last_run_ns);
  if (by_slot_.size() <= entry.slot) {
    by_slot_.resize(entry.slot + 1, nullptr);
  }
  by_slot_[entry.slot] = &entry;
  if (wakeFor(scheduler_.dueOf(entry.slot)) < armed_for_) {
    arm();
  }
}

void Engine::Worker::unschedule(Entry& entry) {
  if (entry.running) {
    in_flight--;
    entry.running = false;
    if (entry.starts_process) {
      processes_--;
    }
  }
  auto& queue = entry.starts_process ? ready_processes_ : ready_;
  waiting -= std::erase_if(queue, [&](const Ready& r) { return r.entry == &entry; });
  entry.check->cancel();        // no callback after this
  entry.confirm_token.reset();  // nor a confirmation's
  scheduler_.remove(entry.slot);
  by_slot_[entry.slot] = nullptr;
}

void Engine::Worker::upsert(config::SharedMonitor spec, std::optional<state::Seed> seed,
                            std::optional<common::SystemTime> last_run) {
  const std::string& name = spec->name;
  if (spec->disable) {
    remove(name);
    return;
  }
  auto it = entries_.find(name);
  if (it != entries_.end() && config::sameMonitor(*it->second->spec, *spec)) {
    return;  // unchanged: keep running undisturbed
  }
  auto check = options_.registry->create(spec, io_);
  if (!check) {
    errors++;
    spdlog::error("engine: {}", check.error().message);
    remove(name);
    return;
  }
  state::Thresholds thresholds{spec->warning_threshold, spec->critical_threshold};
  const state::FlapLimits flap{spec->flap_detection, spec->flap_low, spec->flap_high};
  const Nanos interval = spec->type->runEvery(*spec);
  if (it != entries_.end()) {
    // Changed spec: restart this check only, keeping its state.
    Entry& e = *it->second;
    unschedule(e);
    e.spec = std::move(spec);
    e.interval = interval;
    e.check = std::move(*check);
    e.starts_process = e.check->startsProcess();
    e.machine.setThresholds(thresholds);
    e.machine.setFlapLimits(flap);
    schedule(e);
    return;
  }
  auto entry = std::make_unique<Entry>(Entry{
      spec,
      interval,
      std::move(*check),
      state::StateMachine(
          thresholds,
          state::seedAsOf(seed.value_or(state::Seed{}), std::chrono::system_clock::now(), interval),
          flap),
      0,
      0,
      {},
      0});
  Entry& e = *entry;
  e.starts_process = e.check->startsProcess();
  entries_.emplace(e.name(), std::move(entry));
  checks++;
  schedule(e, last_run);
}

void Engine::Worker::remove(const std::string& name) {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    return;
  }
  unschedule(*it->second);
  entries_.erase(it);
  checks--;
}

void Engine::Worker::removeAll() {
  // Emptied first, so each unschedule() below has nothing to search (linear, not N x queued).
  waiting -= ready_.size() + ready_processes_.size();
  ready_.clear();
  ready_processes_.clear();
  for (auto& [name, entry] : entries_) {
    unschedule(*entry);
  }
  entries_.clear();
  checks = 0;
}

int64_t Engine::Worker::wakeFor(int64_t due_ns) const {
  const int64_t step = std::chrono::nanoseconds(options_.wake_step).count();
  if (step <= 0 || due_ns <= 0 || due_ns > INT64_MAX - step) {
    return due_ns;
  }
  return (due_ns + step - 1) / step * step;
}

void Engine::Worker::arm() {
  const int64_t next = wakeFor(scheduler_.nextWakeup());
  armed_for_ = next;
  if (next == INT64_MAX) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(next)));
  timer_.async_wait([this, next](const boost::system::error_code& ec) {
    if (ec || next != armed_for_) {
      return;  // re-armed for an earlier time meanwhile, or stopping
    }
    onWake();
  });
}

void Engine::Worker::onWake() {
  const int64_t now = nowNs();
  const uint64_t skipped_before = scheduler_.totalSkipped();
  for (const auto& due : scheduler_.takeDue(now)) {
    Entry* e = by_slot_[due.slot];
    if (e != nullptr) {
      (e->starts_process ? ready_processes_ : ready_).push_back({e, due.due_ns});
      waiting++;
    }
  }
  skipped += scheduler_.totalSkipped() - skipped_before;
  startReady();
  arm();
}

void Engine::Worker::startReady() {
  size_t started = 0;
  for (;
       started < kProcessStartsPerTurn && !ready_processes_.empty() && processes_ < max_processes_;
       ++started) {
    Ready r = ready_processes_.front();
    ready_processes_.pop_front();
    waiting--;
    processes_++;
    startRun(*r.entry, r.due_ns);
  }
  for (; started < kStartsPerTurn && !ready_.empty(); ++started) {
    Ready r = ready_.front();
    ready_.pop_front();
    waiting--;
    startRun(*r.entry, r.due_ns);
  }
  // More are due: continue after whatever else the loop has queued (completions, I/O).
  // Process runs held back by max_processes continue from onDone instead.
  if (!ready_.empty() || (!ready_processes_.empty() && processes_ < max_processes_)) {
    continueLater();
  }
}

void Engine::Worker::continueLater() {
  if (start_posted_) {
    return;
  }
  start_posted_ = true;
  boost::asio::post(io_, [this] {
    start_posted_ = false;
    startReady();
  });
}

void Engine::Worker::startRun(Entry& entry, int64_t due_ns) {
  entry.due_ns = due_ns;
  entry.started_ns = nowNs();
  entry.started_wall = std::chrono::system_clock::now();
  entry.running = true;
  in_flight++;
  Entry* e = &entry;
  // The check guarantees no callback after cancel(), and entries are cancelled before they
  // are changed or freed, so the raw pointer is valid whenever this runs.
  entry.check->start([this, e](checks::CheckResult result) { onDone(*e, std::move(result)); });
}

void Engine::Worker::onDone(Entry& entry, checks::CheckResult result) {
  if (held_ && result.verdict && !entry.name().starts_with(Engine::kCanaryPrefix)) {
    // This member's own network is in doubt (its canaries fail): no verdict from here.
    result.verdict = false;
    result.message = "held: this member is degraded (its canaries fail); " + result.message;
  }
  if (options_.confirm && entry.spec->confirm && result.verdict
      && entry.machine.wouldEnterCritical(result)) {
    // About to page: another member runs it once first. The run stays in flight until it
    // answers (within the timeout + 1 s), so no other run of it starts meanwhile.
    result.time = entry.started_wall;
    result.duration = Nanos(nowNs() - entry.started_ns);
    auto token = std::make_shared<int>(0);
    entry.confirm_token = token;
    Entry* e = &entry;
    // The answer comes on another thread, possibly after this loop is gone (LoopLink), or
    // after the check was cancelled (the token, which only the entry holds, expired).
    options_.confirm(entry.spec, result,
                     [this, link = link_, e, alive = std::weak_ptr<int>(token),
                      result](ConfirmAnswer answer) mutable {
                       link->post([this, e, alive, result = std::move(result),
                                   answer = std::move(answer)]() mutable {
                         if (alive.expired()) {
                           return;
                         }
                         e->confirm_token.reset();
                         finishRun(*e, std::move(result), &answer);
                       });
                     });
    return;
  }
  finishRun(entry, std::move(result), nullptr);
}

void Engine::Worker::finishRun(Entry& entry, checks::CheckResult result,
                               const ConfirmAnswer* answer) {
  entry.running = false;
  in_flight--;
  if (entry.starts_process) {
    processes_--;
    if (!ready_processes_.empty()) {
      continueLater();
    }
  }
  runs++;
  scheduler_.finished(entry.slot);
  if (answer == nullptr) {
    result.time = entry.started_wall;
    result.duration = Nanos(nowNs() - entry.started_ns);
  }
  if (!common::validUtf8(result.message)) {
    // Targets answer with any bytes (a Latin-1 plugin, a binary banner). Everything
    // downstream (state in etcd, alerts, the API) is JSON, which must be UTF-8.
    result.message = common::printable(result.message, 4 * result.message.size());
  }
  if (!result.verdict) {
    // The check could not judge this run (checks/result.h): its state stays as it was.
    spdlog::debug("engine: '{}' gave no verdict: {}", entry.name(), result.message);
    entry.counters.runs++;
    return;
  }
  RunReport report;
  report.check = entry.name();
  if (answer != nullptr && answer->kind == ConfirmAnswer::kNotConfirmed) {
    // A failure that counts and pages nobody: recorded as what the other member saw.
    result.message = fmt::format("not confirmed by {}: {} (here: {})", answer->member,
                                 answer->message, result.message);
    report.transition = entry.machine.applyHeld(result);
  } else {
    if (answer != nullptr) {
      result.message += answer->kind == ConfirmAnswer::kConfirmed
                            ? fmt::format(" (confirmed by {}: {})", answer->member, answer->message)
                            : fmt::format(" (not confirmed: {}; decided alone)", answer->message);
    }
    report.transition = entry.machine.apply(result);
  }
  report.state = entry.machine.state();
  report.count = entry.machine.count();
  report.settled_count = entry.machine.settledCount();
  report.flapping = entry.machine.flapping();
  report.history = entry.machine.history();
  report.lag = Nanos(entry.started_ns - entry.due_ns);
  lag.observe(static_cast<double>(report.lag.count()) / 1e9);
  Counters& c = entry.counters;
  c.runs++;
  if (const auto f = checks::failureOf(result); f != checks::Failure::kNone) {
    c.failures[static_cast<size_t>(f)]++;
  }
  c.last_duration_ns = result.duration.count();
  c.last_ok = result.status == checks::Status::kOk;
  report.skipped = scheduler_.skipped(entry.slot);
  report.result = std::move(result);
  if (options_.on_result) {
    try {
      options_.on_result(report);
    } catch (const std::exception& ex) {
      errors++;
      spdlog::error("engine: result consumer failed for '{}': {}", report.check, ex.what());
    }
  }
}

void Engine::Worker::appendSeries(const Entry& e, CheckSeriesText& into) const {
  // The labels every series of this check shares, escaped once: `{check="..",type=".."`.
  std::string labels = "{check=\"";
  metrics::appendEscapedLabelValue(labels, e.name());
  labels += "\",type=\"";
  labels += e.spec->typeName();
  labels += '"';
  auto line = [&](CheckSeriesText::Family family, std::string_view metric, std::string_view more,
                  auto value) {
    std::string& b = into.blocks[family];
    b += metric;
    b += labels;
    b += more;
    b += "} ";
    metrics::appendValue(b, value);
    b += '\n';
  };
  const Counters& c = e.counters;
  if (c.last_duration_ns >= 0) {
    line(CheckSeriesText::kUp, "ninevolt_check_up", "", uint64_t{c.last_ok ? 1U : 0U});
    line(CheckSeriesText::kLastDuration, "ninevolt_check_last_duration_seconds", "",
         static_cast<double>(c.last_duration_ns) / 1e9);
  }
  const state::CheckState now = e.machine.state();
  line(CheckSeriesText::kState, "ninevolt_check_state", ",state=\"ok\"",
       uint64_t{now == state::CheckState::kOk ? 1U : 0U});
  line(CheckSeriesText::kState, "ninevolt_check_state", ",state=\"warning\"",
       uint64_t{now == state::CheckState::kWarning ? 1U : 0U});
  line(CheckSeriesText::kState, "ninevolt_check_state", ",state=\"critical\"",
       uint64_t{now == state::CheckState::kCritical ? 1U : 0U});
  line(CheckSeriesText::kRuns, "ninevolt_check_runs_total", "", c.runs);
  // Only the reasons this check has seen: 12 series per check would be most of the text.
  for (size_t f = 1; f < checks::kFailureKinds; ++f) {
    if (c.failures[f] != 0) {
      std::string reason = ",reason=\"";
      reason += checks::failureName(static_cast<checks::Failure>(f));
      reason += '"';
      line(CheckSeriesText::kFailures, "ninevolt_check_failures_total", reason,
           uint64_t{c.failures[f]});
    }
  }
}

void Engine::Worker::renderChecks(size_t from_slot, uint64_t since,
                                  std::shared_ptr<CheckSeriesText> into,
                                  std::shared_ptr<std::promise<void>> done) {
  if (from_slot == 0) {
    // Sized like the last render (plus some): one allocation per block, not a doubling
    // series of them left behind in this thread's malloc arena.
    for (size_t f = 0; f < into->blocks.size(); ++f) {
      into->blocks[f].reserve(last_render_sizes_[f] + last_render_sizes_[f] / 8);
    }
  }
  const size_t end = std::min(by_slot_.size(), from_slot + kRenderSlice);
  for (size_t slot = from_slot; slot < end; ++slot) {
    const Entry* e = by_slot_[slot];
    if (e != nullptr && e->scheduled_seq <= since) {
      appendSeries(*e, *into);
    }
  }
  if (end < by_slot_.size()) {
    // Let runs and I/O through before the next slice.
    post([this, end, since, into = std::move(into), done = std::move(done)]() mutable {
      renderChecks(end, since, std::move(into), std::move(done));
    });
    return;
  }
  for (size_t f = 0; f < into->blocks.size(); ++f) {
    last_render_sizes_[f] = into->blocks[f].size();
  }
  done->set_value();
}

void Engine::Worker::stop() {
  if (!thread_.joinable()) {
    return;
  }
  std::promise<void> done;
  post([this, &done] {
    for (auto& [name, e] : entries_) {
      unschedule(*e);
    }
    entries_.clear();
    timer_.cancel();
    work_.reset();
    done.set_value();
  });
  done.get_future().wait();
  io_.stop();
  thread_.join();
}

}  // namespace ninevolt::engine
