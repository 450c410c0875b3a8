#include "alerts/dispatcher.h"

#include <future>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "alerts/backoff.h"

namespace ninevolt::alerts {
namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

constexpr int kCasTries = 5;              // compare-and-swap rounds before trying later
constexpr milliseconds kEtcdRetry{1000};  // etcd unreachable: try again after

}  // namespace

Dispatcher::Dispatcher(const std::shared_ptr<store::Store>& store,
                       const std::shared_ptr<const AlerterRegistry>& registry, Options options)
    : store_(store),
      options_(std::move(options)),
      alerters_(store, registry),
      incidents_(store),
      work_(asio::make_work_guard(io_)),
      pool_(std::max<size_t>(1, options_.delivery_threads)) {
  // Every known type has its counters from the start (at 0), so /metrics shows them and a
  // rate() over the first alert of a type is right.
  if (registry) {
    for (const auto& type : registry->types()) {
      stats_.by_type[type];
    }
  }
  if (options_.adopt_grace.count() < 0) {
    options_.adopt_grace = options_.timeout + milliseconds(2000);
  }
  thread_ = std::thread([this] {
    while (true) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("alerts: dispatcher loop: {}", e.what());
      }
    }
  });
}

Dispatcher::~Dispatcher() {
  stop();
}

void Dispatcher::start() {
  asio::post(io_, [this] { loadAlerters(); });
}

void Dispatcher::loadAlerters() {
  if (stopped_) {
    return;
  }
  auto r = alerters_.start();
  if (!r) {
    spdlog::warn("alerts: cannot read the alerters yet ({}); retrying", r.error().message);
    retryLater([this] { loadAlerters(); }, kEtcdRetry);
    return;
  }
  alerters_loaded_ = true;
  spdlog::info("alerts: {} alerter(s) loaded", alerters_.size());
}

void Dispatcher::stop() {
  if (stopped_.exchange(true)) {
    return;
  }
  pool_.join();  // attempts in flight finish (each has its timeout); queued ones do nothing
  alerters_.stop();
  work_.reset();
  io_.stop();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void Dispatcher::sync() {
  std::promise<void> done;
  asio::post(io_, [&done] { done.set_value(); });
  done.get_future().wait();
}

void Dispatcher::retryLater(std::function<void()> fn, milliseconds delay) {
  auto timer = std::make_shared<asio::steady_timer>(io_, delay);
  timer->async_wait([timer, fn = std::move(fn), this](const boost::system::error_code& ec) {
    if (!ec && !stopped_) {
      fn();
    }
  });
}

void Dispatcher::event(const std::string& type, const std::string& check,
                       const std::string& message) {
  if (type == "error") {
    spdlog::error("alerts: {}", message);
  } else {
    spdlog::warn("alerts: {}", message);
  }
  if (options_.on_event) {
    options_.on_event(type, check, message);
  }
}

void Dispatcher::onTransition(const std::string& check, const state::Transition& t) {
  if (stopped_) {
    return;
  }
  ChangeOfState change{check, t.from, t.to, t.count, t.result.message, t.result.time};
  if (change.time == common::SystemTime{}) {
    change.time = std::chrono::system_clock::now();
  }
  asio::post(io_, [this, change = std::move(change)] { handleChange(change, 0); });
}

std::optional<CheckInfo> Dispatcher::checkInfo(const std::string& check) {
  auto got = store_->getConfig(store::ConfigKind::kMonitor, check);
  if (!got) {
    return std::nullopt;
  }
  if (got->has_value()) {
    config::Problems problems;
    if (auto spec = config::parseMonitor(check, (*got)->value, problems)) {
      return checkInfoOf(*spec);
    }
  }
  // Deleted (or invalid now): resolves still go to whoever was told; nothing new is sent.
  return CheckInfo{check, "", "", "", {}, {}};
}

void Dispatcher::handleChange(const ChangeOfState& change, int tries) {
  auto later = [this, change, tries](const std::string& why) {
    if (milliseconds(kEtcdRetry * (tries + 1)) > options_.retry_for) {
      event("error", change.check,
            fmt::format("alert for '{}' ({} -> {}) not sent: {}", change.check,
                        state::stateName(change.from), state::stateName(change.to), why));
      return;
    }
    retryLater([this, change, tries] { handleChange(change, tries + 1); }, kEtcdRetry);
  };
  auto info = checkInfo(change.check);
  if (!info) {
    later("cannot read the monitor from etcd");
    return;
  }
  for (int round = 0; round < kCasTries; ++round) {
    auto loaded = incidents_.load(change.check);
    if (!loaded) {
      later("cannot read the incident: " + loaded.error().message);
      return;
    }
    const auto now_ms = std::chrono::duration_cast<milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    auto step = applyChange(loaded->incident, change, info->warning_alerter, info->critical_alerter,
                            options_.member_id, fmt::format("{}-{}", now_ms, options_.member_id));
    if (!step.changed) {
      return;
    }
    auto saved = incidents_.save(change.check, step.incident, loaded->mod_revision);
    if (!saved && saved.error().code == Errc::kConflict) {
      continue;  // a delivery outcome (or another owner) wrote meanwhile: apply again
    }
    if (!saved) {
      later("cannot write the incident: " + saved.error().message);
      return;
    }
    if (step.incident && !step.deliveries.empty()) {
      enqueue(*info, *step.incident, step.deliveries);
    }
    return;
  }
  later("the incident kept changing");
}

size_t Dispatcher::queued() const {
  size_t n = 0;
  for (const auto& [key, lane] : lanes_) {
    n += lane.size();
  }
  return n;
}

void Dispatcher::enqueue(const CheckInfo& check, const Incident& incident,
                         const std::vector<Delivery>& deliveries) {
  size_t total = queued();
  for (const auto& d : deliveries) {
    if (total >= options_.max_queued) {
      {
        std::lock_guard lock(stats_mu_);
        stats_.dropped++;
      }
      // It stays unsettled in the incident, and the check is adopted again when the queue
      // has room (or by the next owner, should the check move first).
      overflowed_.insert(check.name);
      event("error", check.name,
            fmt::format("alert queue full ({}): {} to '{}' for '{}' held back until the queue "
                        "drains",
                        options_.max_queued, notificationKindName(d.kind), d.alerter, check.name));
      continue;
    }
    LaneKey key{check.name, d.alerter};
    auto& lane = lanes_[key];
    // The same transition already queued on this lane (adopted twice): once is enough.
    bool dup = std::any_of(lane.begin(), lane.end(), [&](const Job& j) {
      return j.notification.transition_id == d.transition_id;
    });
    if (dup) {
      continue;
    }
    Job job;
    job.notification =
        makeNotification(check, incident, d, options_.member_id, options_.external_url);
    job.alerter = d.alerter;
    lane.push_back(std::move(job));
    total++;
    pump(key);
  }
}

void Dispatcher::pump(const LaneKey& key) {
  queued_ = queued();
  auto it = lanes_.find(key);
  if (it == lanes_.end()) {
    return;
  }
  if (it->second.empty()) {
    lanes_.erase(it);
    queued_ = queued();
    readoptOverflowed();
    return;
  }
  const Job& head = it->second.front();
  if (!head.in_flight && !head.backing_off) {
    attempt(key);
  }
}

void Dispatcher::attempt(const LaneKey& key) {
  auto it = lanes_.find(key);
  if (it == lanes_.end() || it->second.empty() || stopped_) {
    return;
  }
  Job& job = it->second.front();
  if (job.in_flight || job.backing_off) {
    return;
  }
  if (!alerters_loaded_) {
    retryLater([this, key] { attempt(key); }, kEtcdRetry);
    return;
  }
  auto entry = alerters_.get(job.alerter);
  if (!entry) {
    const auto& [check, alerter] = key;
    if (unknown_reported_.insert(key).second) {
      event("error", check,
            fmt::format("monitor '{}' names alerter '{}', which does not exist (or is "
                        "invalid); the other alerters still get its alerts",
                        check, alerter));
    }
    std::string tid = job.notification.transition_id;
    it->second.pop_front();
    settle(check, alerter, tid, false);
    pump(key);
    return;
  }
  job.in_flight = true;
  if (job.attempts++ == 0) {
    job.first_try = std::chrono::steady_clock::now();
  }
  asio::post(pool_,
             [this, key, n = job.notification, alerter = entry->alerter, type = entry->type] {
               if (stopped_) {
                 return;
               }
               Result<void> r = fail(Errc::kInternal, "not attempted");
               try {
                 r = alerter->deliver(n, options_.timeout);
               } catch (const std::exception& e) {
                 r = fail(Errc::kInternal, e.what());
               }
               asio::post(io_, [this, key, tid = n.transition_id, r = std::move(r), type] {
                 onAttempt(key, tid, r, type);
               });
             });
}

void Dispatcher::onAttempt(const LaneKey& key, const std::string& transition_id,
                           const Result<void>& outcome, const std::string& type) {
  const auto& [check, alerter] = key;
  auto it = lanes_.find(key);
  if (it == lanes_.end() || it->second.empty()
      || it->second.front().notification.transition_id != transition_id) {
    return;  // released meanwhile
  }
  Job& job = it->second.front();
  job.in_flight = false;
  const char* kind = notificationKindName(job.notification.kind);
  if (outcome) {
    {
      std::lock_guard lock(stats_mu_);
      stats_.by_type[type].sent++;
    }
    spdlog::info("alerts: {} for '{}' sent to '{}' ({})", kind, check, alerter, transition_id);
    it->second.pop_front();
    settle(check, alerter, transition_id, true);
    pump(key);
    return;
  }
  const auto elapsed = std::chrono::steady_clock::now() - job.first_try;
  const bool retryable = outcome.error().code != Errc::kInvalidArgument;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const auto delay =
      backoffDelay(job.attempts, options_.first_backoff, options_.max_backoff, unit(rng_));
  if (retryable && elapsed + delay < options_.retry_for) {
    {
      std::lock_guard lock(stats_mu_);
      stats_.by_type[type].retried++;
    }
    spdlog::warn("alerts: {} for '{}' to '{}' failed (attempt {}): {}; retrying in {} ms", kind,
                 check, alerter, job.attempts, outcome.error().message, delay.count());
    job.backing_off = true;  // nobody else starts it while the timer runs
    retryLater(
        [this, key, transition_id] {
          auto lane = lanes_.find(key);
          if (lane != lanes_.end() && !lane->second.empty()
              && lane->second.front().notification.transition_id == transition_id) {
            lane->second.front().backing_off = false;
            attempt(key);
          }
        },
        delay);
    return;
  }
  {
    std::lock_guard lock(stats_mu_);
    stats_.by_type[type].failed++;
  }
  event("error", check,
        fmt::format("{} for '{}' to alerter '{}' given up after {} attempt(s): {}", kind, check,
                    alerter, job.attempts, outcome.error().message));
  it->second.pop_front();
  settle(check, alerter, transition_id, false);
  pump(key);
}

void Dispatcher::settle(const std::string& check, const std::string& alerter,
                        const std::string& transition_id, bool delivered, int tries) {
  for (int round = 0; round < kCasTries; ++round) {
    auto loaded = incidents_.load(check);
    if (!loaded) {
      break;
    }
    if (!loaded->incident) {
      return;
    }
    Incident inc = std::move(*loaded->incident);
    if (!recordOutcome(inc, alerter, transition_id, delivered)) {
      return;  // the incident moved on: this outcome is history
    }
    std::optional<Incident> next;
    if (!inc.finished()) {
      next = std::move(inc);
    }
    auto saved = incidents_.save(check, next, loaded->mod_revision);
    if (saved) {
      return;
    }
    if (saved.error().code != Errc::kConflict) {
      break;
    }
  }
  // etcd unreachable: the outcome must still be recorded, or a next owner re-sends it.
  if (milliseconds(kEtcdRetry * (tries + 1)) > options_.retry_for) {
    event("error", check,
          fmt::format("could not record the outcome of {} for '{}' to '{}'", transition_id, check,
                      alerter));
    return;
  }
  retryLater([this, check, alerter, transition_id, delivered,
              tries] { settle(check, alerter, transition_id, delivered, tries + 1); },
             kEtcdRetry);
}

void Dispatcher::readoptOverflowed() {
  if (overflowed_.empty() || queued_ > options_.max_queued / 2) {  // queued_: set by pump()
    return;
  }
  std::vector<std::string> checks(overflowed_.begin(), overflowed_.end());
  overflowed_.clear();
  spdlog::info("alerts: queue drained: sending what {} check(s) held back", checks.size());
  asio::post(io_, [this, checks = std::move(checks)] { handleAdopt(checks); });
}

void Dispatcher::adopt(std::vector<std::string> checks) {
  if (stopped_ || checks.empty()) {
    return;
  }
  asio::post(io_, [this, checks = std::move(checks)] { handleAdopt(checks); });
}

void Dispatcher::handleAdopt(const std::vector<std::string>& checks) {
  auto loaded = incidents_.loadMany(checks);
  if (!loaded) {
    spdlog::warn("alerts: cannot read incidents of {} arriving check(s) ({}); retrying",
                 checks.size(), loaded.error().message);
    retryLater([this, checks] { handleAdopt(checks); }, kEtcdRetry);
    return;
  }
  std::optional<std::set<std::string>> live;  // read once, only if needed
  for (auto& [check, stored] : *loaded) {
    if (!stored.incident) {
      continue;
    }
    auto pending = unsettled(*stored.incident);
    if (pending.empty()) {
      continue;
    }
    auto info = checkInfo(check);
    if (!info) {
      retryLater([this, check = check] { handleAdopt({check}); }, kEtcdRetry);
      continue;
    }
    milliseconds grace{0};
    const std::string& owner = stored.incident->owner;
    if (owner != options_.member_id) {
      if (!live) {
        live.emplace();
        if (auto members = store_->listMembers()) {
          for (const auto& m : *members) {
            live->insert(m.id);
          }
        }
      }
      if (live->contains(owner)) {
        grace = options_.adopt_grace;  // it may be sending right now
      }
    }
    spdlog::info("alerts: '{}' arrived with {} unsettled alert(s) from member {}; sending {}",
                 check, pending.size(), owner,
                 grace.count() > 0 ? fmt::format("in {} ms", grace.count()) : "now");
    Incident inc = std::move(*stored.incident);
    if (grace.count() == 0) {
      enqueue(*info, inc, pending);
      continue;
    }
    retryLater(
        [this, check = check] {
          // Read again: the old owner may have settled them meanwhile.
          auto again = incidents_.load(check);
          if (!again || !again->incident) {
            return;
          }
          auto info2 = checkInfo(check);
          if (info2) {
            enqueue(*info2, *again->incident, unsettled(*again->incident));
          }
        },
        grace);
  }
}

void Dispatcher::release(const std::string& check) {
  asio::post(io_, [this, check] {
    overflowed_.erase(check);  // the next owner sends what it held back
    for (auto it = lanes_.lower_bound({check, ""});
         it != lanes_.end() && it->first.first == check;) {
      auto& lane = it->second;
      // Keep only an attempt in flight (its outcome is still recorded); a retry waiting
      // for its timer is dropped like the rest: the new owner sends it.
      std::erase_if(lane, [](const Job& j) { return !j.in_flight; });
      it = lane.empty() ? lanes_.erase(it) : std::next(it);
    }
    queued_ = queued();
  });
}

void Dispatcher::renderMetrics(metrics::Writer& out) const {
  const DispatcherStats s = stats();
  struct Family {
    const char* name;
    const char* help;
    uint64_t DispatcherStats::PerType::*value;
  };
  for (const Family& f : {
           Family{"ninevolt_alerts_sent_total", "Alerts delivered, by alerter type.",
                  &DispatcherStats::PerType::sent},
           Family{"ninevolt_alerts_failed_total",
                  "Alerts given up (failed for good, or retried for longer than the retry "
                  "window), by alerter type.",
                  &DispatcherStats::PerType::failed},
           Family{"ninevolt_alerts_retried_total",
                  "Delivery attempts that failed and were retried, by alerter type.",
                  &DispatcherStats::PerType::retried},
       }) {
    out.family(f.name, metrics::Type::kCounter, f.help);
    for (const auto& [type, counts] : s.by_type) {
      out.sample(f.name, {{"type", type}}, counts.*(f.value));
    }
  }
  out.gauge("ninevolt_alerts_queued", "Alert deliveries waiting or in flight.", s.queued);
  out.counter("ninevolt_alerts_dropped_total",
              "Alerts refused because the delivery queue was full.", s.dropped);
}

DispatcherStats Dispatcher::stats() const {
  std::lock_guard lock(stats_mu_);
  DispatcherStats s = stats_;
  s.queued = queued_;
  return s;
}

}  // namespace ninevolt::alerts
