#include "alerts/dispatcher.h"

#include <future>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "alerts/backoff.h"
#include "alerts/parents.h"
#include "common/thread_name.h"
#include "store/event.h"

namespace ninevolt::alerts {
namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

constexpr int kCasTries = 5;              // compare-and-swap rounds before trying later
constexpr milliseconds kEtcdRetry{1000};  // etcd unreachable: try again after

// One attempt, on a delivery thread: an alerter that throws has failed (worth retrying).
Result<void> deliverOnce(const Alerter& alerter, const Notification& n, milliseconds timeout) {
  try {
    return alerter.deliver(n, timeout);
  } catch (const std::exception& e) {
    return fail(Errc::kInternal, e.what());
  }
}

}  // namespace

Dispatcher::Dispatcher(const std::shared_ptr<store::Store>& store,
                       const std::shared_ptr<const AlerterRegistry>& registry, Options options)
    : store_(store),
      options_(std::move(options)),
      alerters_(store, registry),
      silences_(store),
      incidents_(store),
      work_(asio::make_work_guard(io_)) {
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
  storms_ = std::make_unique<StormDigests>(
      io_, store,
      StormDigests::Options{
          .member_id = options_.member_id,
          .external_url = options_.external_url,
          .timeout = options_.timeout,
          .retry_for = options_.retry_for,
          .first_backoff = options_.first_backoff,
          .max_backoff = options_.max_backoff,
          .sweep = options_.storm_sweep,
          .send = [this](const std::string& alerter, const Notification& n,
                         std::function<void(Result<void>)> done) { sendDigest(alerter, n, done); },
          .can_send =
              [this](const std::string& alerter) { return alerters_.get(alerter).has_value(); },
          .on_event = [this](const std::string& type,
                             const std::string& message) { event(type, "", message); },
          .on_info =
              [this](const std::string& message) {
                if (options_.on_info) {
                  options_.on_info(store::event_kind::kAlertDigest, "", message);
                }
              },
      });
  storms_->setLimits({.threshold = 0, .gather = options_.storm_gather});
  thread_ = std::thread([this] {
    common::nameThisThread("9v-alerts");
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
  if (!ack_watch_) {
    // From now, before any check is adopted: an ack written earlier is in the incident that
    // adopt() reads.
    ack_watch_ = store_->watchAckDoorbells(0, [this](const std::vector<std::string>& checks) {
      asio::post(io_, [this, checks] { onAckDoorbells(checks); });
    });
  }
  if (!alerters_loaded_) {
    auto r = alerters_.start();
    if (!r) {
      spdlog::warn("alerts: cannot read the alerters yet ({}); retrying", r.error().message);
      retryLater([this] { loadAlerters(); }, kEtcdRetry);
      return;
    }
    alerters_loaded_ = true;
    spdlog::info("alerts: {} alerter(s) loaded", alerters_.size());
    storms_->start();
  }
  auto s = silences_.start([this] { asio::post(io_, [this] { onSilencesChanged(); }); });
  if (!s) {
    spdlog::warn("alerts: cannot read the silences yet ({}); retrying", s.error().message);
    retryLater([this] { loadAlerters(); }, kEtcdRetry);
    return;
  }
  silences_loaded_ = true;
  spdlog::info("alerts: {} silence(s) loaded", silences_.size());
  onSilencesChanged();
  // Follow-ups that came due while the silences were not read yet: look at every one now.
  follow_up_review_ = std::chrono::steady_clock::now();
  armFollowUpTimer();
  loadAckLinks();
}

void Dispatcher::loadAckLinks() {
  if (stopped_ || options_.external_url.empty() || ack_links_) {
    return;
  }
  auto links = AckLinks::ofCluster(*store_);
  if (!links) {
    spdlog::warn(
        "alerts: cannot read the cluster's ack link key yet ({}); messages carry no "
        "ack link until it is read",
        links.error().message);
    retryLater([this] { loadAckLinks(); }, kEtcdRetry);
    return;
  }
  ack_links_ = std::move(*links);
}

std::string Dispatcher::ackLinkFor(const Incident& incident, const Delivery& d) const {
  const bool failing = d.kind == NotificationKind::kWarning || d.kind == NotificationKind::kCritical
                       || d.kind == NotificationKind::kReminder;
  if (!ack_links_ || !failing || incident.resolved()
      || incident.ackedAt(std::chrono::system_clock::now())) {
    return "";
  }
  return ack_links_->link(options_.external_url, incident.check, incident.id,
                          std::chrono::system_clock::now());
}

FollowUpPolicy Dispatcher::policyOf(const std::string& check) const {
  return followUpPolicyOf(specOf(check).get(), alerters_.reminderIntervals());
}

void Dispatcher::scheduleFollowUp(const std::string& check,
                                  const std::optional<Incident>& incident) {
  if (!incident || incident->resolved() || !specOf(check)) {  // only checks this member runs
    if (follow_up_due_.erase(check) != 0) {
      armFollowUpTimer();
    }
    return;
  }
  follow_up_due_[check] =
      nextFollowUp(*incident, policyOf(check), std::chrono::system_clock::now());
  armFollowUpTimer();
}

void Dispatcher::armFollowUpTimer() {
  if (!follow_up_timer_) {
    follow_up_timer_ = std::make_unique<asio::steady_timer>(io_);
  }
  follow_up_timer_->cancel();
  if (follow_up_due_.empty() || stopped_) {
    return;
  }
  const auto now = std::chrono::system_clock::now();
  if (follow_up_review_ == std::chrono::steady_clock::time_point{}) {
    follow_up_review_ = std::chrono::steady_clock::now() + std::chrono::hours(1);
  }
  // At least hourly: a monitor or alerter edit may have changed what is due, and the
  // system clock may have jumped.
  common::SystemTime next = now
                            + std::chrono::duration_cast<common::SystemTime::duration>(
                                follow_up_review_ - std::chrono::steady_clock::now());
  for (const auto& [check, due] : follow_up_due_) {
    if (due) {
      next = std::min<common::SystemTime>(next, *due);
    }
  }
  const auto wait = std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(next - now));
  follow_up_timer_->expires_after(wait + milliseconds(5));
  follow_up_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      onFollowUpTimer();
    }
  });
}

void Dispatcher::onFollowUpTimer() {
  if (stopped_) {
    return;
  }
  const auto now = std::chrono::system_clock::now();
  const bool review = std::chrono::steady_clock::now() >= follow_up_review_;
  if (review) {
    follow_up_review_ = std::chrono::steady_clock::now() + std::chrono::hours(1);
  }
  std::vector<std::string> due;
  for (const auto& [check, at] : follow_up_due_) {
    if (review || (at && *at <= now)) {
      due.push_back(check);
    }
  }
  for (size_t i = 0; i < due.size(); ++i) {
    follow_up_due_[due[i]].reset();  // runFollowUp schedules the next one
    if (!runFollowUp(due[i])) {
      // etcd is away: each read would wait for its timeout while deliveries wait for this
      // loop. The rest are looked at again shortly (this one retries by itself).
      for (size_t j = i + 1; j < due.size(); ++j) {
        follow_up_due_[due[j]] = now + kEtcdRetry;
      }
      break;
    }
  }
  armFollowUpTimer();
}

void Dispatcher::onAckDoorbells(const std::vector<std::string>& checks) {
  for (const auto& check : checks) {
    if (!specOf(check)) {
      continue;  // not ours: its owner answers (or adopts it later and reads the incident)
    }
    // Deleted before the incident is read: an ack written after this read rings again.
    if (auto r = store_->deleteAckDoorbell(check); !r) {
      spdlog::warn("alerts: cannot clear the ack doorbell of '{}': {}", check, r.error().message);
    }
    runFollowUp(check);
  }
}

bool Dispatcher::runFollowUp(const std::string& check, int tries) {
  if (stopped_ || !specOf(check)) {
    return true;
  }
  if (lease_epoch_ != handled_epoch_) {
    return true;  // the lease was lost: leaseLost()'s release is on its way; the next owner
  }
  if (!silences_loaded_) {
    follow_up_due_[check] = std::chrono::system_clock::now() + kEtcdRetry;  // try again then
    armFollowUpTimer();
    return true;
  }
  bool reachable = true;
  for (int round = 0; round < kCasTries; ++round) {
    auto loaded = incidents_.load(check);
    if (!loaded) {
      reachable = false;
      break;
    }
    if (!loaded->incident) {
      scheduleFollowUp(check, std::nullopt);
      return true;
    }
    const auto now = std::chrono::system_clock::now();
    const std::string silence = silences_.silencedBy(check, specOf(check).get(), now);
    // While flapping, reminders and escalation wait like under a silence.
    std::string silenced_by = !silence.empty()             ? silence
                              : loaded->incident->flapping ? kFlappingHold
                                                           : "";
    if (silenced_by.empty()) {
      auto parent = parentHold(specOf(check).get());
      if (!parent) {
        reachable = false;
        break;
      }
      silenced_by = *parent;
    }
    auto step = followUp(*loaded->incident, policyOf(check), options_.member_id, now, silenced_by,
                         !silence.empty() && !silences_.notifyAfter(silence));
    if (!step.changed) {
      scheduleFollowUp(check, step.incident);
      return true;
    }
    auto saved = incidents_.save(check, step.incident, loaded->mod_revision);
    if (!saved && saved.error().code == Errc::kConflict) {
      continue;
    }
    if (!saved) {
      reachable = false;
      break;
    }
    scheduleFollowUp(check, step.incident);
    noteFollowUps(check, step);
    if (step.incident && !step.deliveries.empty()) {
      enqueue(checkInfo(check), *step.incident, step.deliveries);
    }
    if (!step.suppressed.empty()) {
      noteSuppressed(check, "escalation", step.suppressed, silenced_by);
    }
    return true;
  }
  if (milliseconds(kEtcdRetry * (tries + 1)) > options_.retry_for) {
    event("error", check,
          fmt::format("reminders and escalation of '{}' not sent: etcd did not take the incident",
                      check));
    return reachable;
  }
  retryWhileOwned(check, kEtcdRetry, [this, check, tries] { runFollowUp(check, tries + 1); });
  return reachable;
}

void Dispatcher::noteFollowUps(const std::string& check, const IncidentStep& step) {
  std::map<NotificationKind, std::vector<std::string>> reminders_and_acks;
  std::map<std::string, std::vector<std::string>> escalations;  // transition -> alerters
  for (const auto& d : step.deliveries) {
    const FollowUpId f = followUpOf(d.transition_id);
    if (f.what == "escalation") {
      escalations[d.transition_id].push_back(d.alerter);
    } else {
      reminders_and_acks[d.kind].push_back(d.alerter);
    }
  }
  {
    std::lock_guard lock(stats_mu_);
    stats_.reminders += reminders_and_acks[NotificationKind::kReminder].size();
    stats_.acks += reminders_and_acks[NotificationKind::kAck].size();
    for (const auto& [tid, to] : escalations) {
      stats_.escalations += to.size();
    }
    stats_.suppressed += static_cast<uint64_t>(step.dropped);
  }
  auto info = [&](const char* kind, const std::string& message) {
    spdlog::info("alerts: {}", message);
    if (options_.on_info) {
      options_.on_info(kind, check, message);
    }
  };
  if (const auto& to = reminders_and_acks[NotificationKind::kReminder]; !to.empty()) {
    info(store::event_kind::kAlertReminder,
         fmt::format("'{}' is still failing: reminder to {}", check, fmt::join(to, ", ")));
  }
  for (const auto& [tid, to] : escalations) {
    info(store::event_kind::kAlertEscalated,
         fmt::format("'{}' escalated (the step after {}): {} told", check, followUpOf(tid).arg,
                     fmt::join(to, ", ")));
  }
  if (step.dropped > 0) {
    info(store::event_kind::kAlertSuppressed,
         fmt::format("'{}': {} reminder(s) or ack announcement(s) dropped while silenced", check,
                     step.dropped));
  }
}

config::SharedMonitor Dispatcher::specOf(const std::string& check) const {
  return options_.monitor_of ? options_.monitor_of(check) : nullptr;
}

void Dispatcher::onSilencesChanged() {
  if (stopped_ || !silences_loaded_) {
    return;
  }
  const auto now = std::chrono::system_clock::now();
  std::vector<std::string> released;
  for (const auto& check : suppressed_checks_) {
    if (silences_.silencedBy(check, specOf(check).get(), now).empty()) {
      released.push_back(check);
    }
  }
  for (const auto& check : released) {
    releaseSilenced(check);
  }
  // The next start or end (a little after it: the comparison is start <= now < end).
  if (!silence_timer_) {
    silence_timer_ = std::make_unique<asio::steady_timer>(io_);
  }
  silence_timer_->cancel();
  // At most an hour apart anyway: a window whose next opening is years away is looked at
  // again, and nothing depends on one timer being right.
  auto next = silences_.nextChange(now);
  const auto hour = now + std::chrono::hours(1);
  if (!next || *next > hour) {
    next = std::chrono::time_point_cast<common::SystemTime::duration>(hour);
  }
  silence_timer_->expires_after(std::chrono::duration_cast<milliseconds>(*next - now)
                                + milliseconds(5));
  silence_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      onSilencesChanged();
    }
  });
}

void Dispatcher::releaseSilenced(const std::string& check, int tries) {
  if (!suppressed_checks_.contains(check)) {
    return;  // released already, or the check left this member
  }
  for (int round = 0; round < kCasTries; ++round) {
    auto loaded = incidents_.load(check);
    if (!loaded) {
      break;
    }
    if (!loaded->incident || !hasSuppressed(*loaded->incident)) {
      suppressed_checks_.erase(check);
      return;
    }
    const auto now = std::chrono::system_clock::now();
    if (!silences_.silencedBy(check, specOf(check).get(), now).empty()) {
      parent_held_.erase(check);  // the silence's end looks at it again (onSilencesChanged)
      return;                     // another silence covers it now
    }
    if (loaded->incident->flapping) {
      // Flapping holds it now: sent when the check stops flapping (handleChange).
      Incident inc = std::move(*loaded->incident);
      for (auto& [name, told] : inc.alerters) {
        if (told.suppressed) {
          told.suppressed->by = kFlappingHold;
        }
      }
      auto saved = incidents_.save(check, inc, loaded->mod_revision);
      if (!saved && saved.error().code == Errc::kConflict) {
        continue;
      }
      if (!saved) {
        break;
      }
      suppressed_checks_.erase(check);
      return;
    }
    auto parent = parentHold(specOf(check).get());
    if (!parent) {
      break;
    }
    if (!parent->empty()) {
      parent_held_.insert(check);  // a parent holds it now: sent when they all recover
      armParentPoll();
      return;
    }
    auto step = releaseSuppressed(*loaded->incident, options_.member_id, now);
    auto saved = incidents_.save(check, step.incident, loaded->mod_revision);
    if (!saved && saved.error().code == Errc::kConflict) {
      continue;
    }
    if (!saved) {
      break;
    }
    suppressed_checks_.erase(check);
    parent_held_.erase(check);
    scheduleFollowUp(check, step.incident);
    spdlog::info("alerts: '{}' is no longer held back: {} held-back alert(s) still true, sent now",
                 check, step.deliveries.size());
    if (step.incident && !step.deliveries.empty()) {
      enqueue(checkInfo(check), *step.incident, step.deliveries);
    }
    return;
  }
  if (milliseconds(kEtcdRetry * (tries + 1)) > options_.retry_for) {
    event("error", check,
          fmt::format("could not send what a silence held back for '{}': etcd did not take "
                      "the incident",
                      check));
    return;
  }
  retryWhileOwned(check, kEtcdRetry, [this, check, tries] { releaseSilenced(check, tries + 1); });
}

void Dispatcher::stop() {
  if (stopped_.exchange(true)) {
    return;
  }
  std::unique_ptr<asio::thread_pool> pool;
  {
    std::lock_guard lock(pool_mu_);  // no delivery is posted after this (stopped_ is set)
    pool = std::move(pool_);
  }
  if (pool) {
    pool->join();  // attempts in flight finish (each has its timeout); queued ones do nothing
  }
  alerters_.stop();
  silences_.stop();
  ack_watch_.reset();
  work_.reset();
  io_.stop();
  if (thread_.joinable()) {
    thread_.join();
  }
  storms_->stop();  // the loop has ended: its timers can be touched from here
}

void Dispatcher::setStormLimits(int64_t threshold, milliseconds window) {
  asio::post(io_, [this, threshold, window] {
    storms_->setLimits({.threshold = threshold, .window = window, .gather = options_.storm_gather});
  });
}

void Dispatcher::sendDigest(const std::string& alerter, const Notification& n,
                            const std::function<void(Result<void>)>& done) {
  auto entry = alerters_.get(alerter);
  if (!entry) {
    done(fail(Errc::kInvalidArgument, "alerter '" + alerter + "' does not exist (any more)"));
    return;
  }
  postDelivery([this, n, done, alerter = entry->alerter, type = entry->type] {
    Result<void> r = deliverOnce(*alerter, n, options_.timeout);
    asio::post(io_, [this, r = std::move(r), done, type] {
      {
        std::lock_guard lock(stats_mu_);
        (r ? stats_.by_type[type].sent : stats_.by_type[type].retried)++;
      }
      done(r);
    });
  });
}

void Dispatcher::sync() {
  std::promise<void> done;
  asio::post(io_, [&done] { done.set_value(); });
  done.get_future().wait();
}

void Dispatcher::postDelivery(std::function<void()> fn) {
  std::lock_guard lock(pool_mu_);
  if (stopped_) {
    return;
  }
  if (!pool_) {
    common::ScopedThreadName name("9v-deliver");  // the pool's threads take it
    pool_ = std::make_unique<asio::thread_pool>(std::max<size_t>(1, options_.delivery_threads));
  }
  asio::post(*pool_, std::move(fn));
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
  ChangeOfState change{check,         t.from, t.to,           t.count,   t.result.message,
                       t.result.time, t.flap, t.flap_percent, t.flapping};
  if (change.time == common::SystemTime{}) {
    change.time = std::chrono::system_clock::now();
  }
  asio::post(io_, [this, change = std::move(change), epoch = lease_epoch_.load()] {
    routeChange(change, epoch);
  });
}

void Dispatcher::routeChange(const ChangeOfState& change, uint64_t epoch) {
  auto waiting = waiting_for_parents_.find(change.check);
  if (waiting != waiting_for_parents_.end()) {
    waiting->second.push_back(change);  // behind the ones waiting: judged with them, in order
    return;
  }
  const auto spec = specOf(change.check);
  if (!spec || spec->depends_on.empty() || options_.parent_grace.count() <= 0
      || change.to == state::CheckState::kOk) {
    handleChange(change, epoch, 0, nullptr);
    return;
  }
  waiting_for_parents_[change.check].push_back(change);
  retryWhileOwned(change.check, options_.parent_grace,
                  [this, check = change.check, epoch] { judgeWaiting(check, epoch); });
}

void Dispatcher::judgeWaiting(const std::string& check, uint64_t epoch) {
  auto it = waiting_for_parents_.find(check);
  if (it == waiting_for_parents_.end()) {
    return;
  }
  auto changes = std::move(it->second);
  waiting_for_parents_.erase(it);
  for (const auto& change : changes) {
    handleChange(change, epoch, 0, nullptr);
  }
}

Result<std::string> Dispatcher::parentHold(const config::MonitorSpec* spec) {
  if (spec == nullptr) {
    return std::string();
  }
  for (const auto& parent : spec->depends_on) {
    auto status = failingParentStatus(*store_, parent);
    if (!status) {
      return tl::unexpected(status.error());
    }
    if (!status->empty()) {
      return fmt::format("parent {} {}", parent, *status);
    }
  }
  return std::string();
}

void Dispatcher::armParentPoll() {
  if (parent_held_.empty() || stopped_) {
    return;
  }
  if (!parent_timer_) {
    parent_timer_ = std::make_unique<asio::steady_timer>(io_);
  } else if (parent_timer_->expiry() > asio::steady_timer::clock_type::now()) {
    return;  // armed
  }
  parent_timer_->expires_after(options_.parent_poll);
  parent_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      onParentPoll();
    }
  });
}

void Dispatcher::onParentPoll() {
  // Each parent read once per round, however many children are behind it.
  std::map<std::string, bool> failing;
  std::vector<std::string> released;
  for (auto it = parent_held_.begin(); it != parent_held_.end();) {
    const auto spec = specOf(*it);
    if (!spec || !suppressed_checks_.contains(*it)) {
      it = parent_held_.erase(it);  // left this member, or released already
      continue;
    }
    bool held = false;
    for (const auto& parent : spec->depends_on) {
      auto known = failing.find(parent);
      if (known == failing.end()) {
        auto status = failingParentStatus(*store_, parent);
        // etcd unreachable: held on; looked at again next round.
        known = failing.emplace(parent, !status || !status->empty()).first;
      }
      held = held || known->second;
    }
    if (!held) {
      released.push_back(*it);
    }
    ++it;
  }
  for (const auto& check : released) {
    releaseSilenced(check);
  }
  armParentPoll();
}

void Dispatcher::retryWhileOwned(const std::string& check, milliseconds delay,
                                 std::function<void()> fn) {
  retryLater(
      [this, check, token = ownedWork(check), fn = std::move(fn)] {
        finishWork(check, token);
        if (!*token) {
          fn();
        }
      },
      delay);
}

Dispatcher::WorkToken Dispatcher::ownedWork(const std::string& check) {
  auto token = std::make_shared<bool>(false);
  owned_work_.emplace(check, token);
  return token;
}

void Dispatcher::finishWork(const std::string& check, const WorkToken& token) {
  if (!token) {
    return;
  }
  auto [from, to] = owned_work_.equal_range(check);
  for (auto it = from; it != to; ++it) {
    if (it->second == token) {
      owned_work_.erase(it);
      return;
    }
  }
}

CheckInfo Dispatcher::checkInfo(const std::string& check) const {
  return infoOf(check, specOf(check));
}

CheckInfo Dispatcher::infoOf(const std::string& check, const config::SharedMonitor& spec) {
  if (spec) {
    return checkInfoOf(*spec);
  }
  // Not owned here any more (deleted, moved) or never valid: resolves still go to whoever
  // was told; nothing new is sent.
  return CheckInfo{check, "", "", "", {}, {}};
}

void Dispatcher::handleChange(const ChangeOfState& change, uint64_t epoch, int tries,
                              WorkToken token) {
  if ((token && *token) || epoch != lease_epoch_) {
    // Seen while the check was ours, but not written before it left (or the lease was
    // lost): the next owner runs the check and judges it itself. Writing it now would put
    // a stale state into that owner's incident and alert it a second time.
    {
      std::lock_guard lock(stats_mu_);
      stats_.abandoned++;
    }
    spdlog::warn(
        "alerts: '{}' {} -> {} not written: {}; its next owner judges it", change.check,
        state::stateName(change.from), state::stateName(change.to),
        epoch != lease_epoch_ ? "this member lost its etcd lease" : "the check left this member");
    finishWork(change.check, token);
    return;
  }
  auto later = [this, change, epoch, tries, token](const std::string& why) mutable {
    if (milliseconds(kEtcdRetry * (tries + 1)) > options_.retry_for) {
      finishWork(change.check, token);
      event("error", change.check,
            fmt::format("alert for '{}' ({} -> {}) not sent: {}", change.check,
                        state::stateName(change.from), state::stateName(change.to), why));
      return;
    }
    if (!token) {
      token = ownedWork(change.check);
    }
    retryLater(
        [this, change, epoch, tries, token] { handleChange(change, epoch, tries + 1, token); },
        kEtcdRetry);
  };
  if (!silences_loaded_) {
    later("the silences are not read yet");
    return;
  }
  const auto spec = specOf(change.check);
  const CheckInfo info = infoOf(change.check, spec);
  const std::string silence =
      silences_.silencedBy(change.check, spec.get(), std::chrono::system_clock::now());
  auto parent = parentHold(spec.get());
  if (!parent) {
    later("cannot read the states of its parents: " + parent.error().message);
    return;
  }
  std::string silenced_by;  // what holds this change back: the silence, flapping, a parent
  for (int round = 0; round < kCasTries; ++round) {
    auto loaded = incidents_.load(change.check);
    if (!loaded) {
      later("cannot read the incident: " + loaded.error().message);
      return;
    }
    const auto now = std::chrono::system_clock::now();
    const auto now_ms = std::chrono::duration_cast<milliseconds>(now.time_since_epoch()).count();
    const std::string new_id = fmt::format("{}-{}", now_ms, options_.member_id);
    const bool incident_flapping = loaded->incident && loaded->incident->flapping;
    // The engine decides flapping: an incident that says flapping while the engine does not
    // (its stop was abandoned, or arrived out of order) is stopped now rather than holding
    // every alert for good.
    const bool flapping_holds = loaded->incident && heldByFlapping(*loaded->incident);
    state::FlapChange flap = change.flap;
    if (flap == state::FlapChange::kNone && !change.flapping_now
        && (incident_flapping || flapping_holds)) {
      flap = state::FlapChange::kStopped;
    }
    const bool flapping = flap != state::FlapChange::kNone || incident_flapping;
    // What holds the flapping notices back (a silence, a failing parent) holds them too.
    const std::string notices_held_by = !silence.empty() ? silence : *parent;
    silenced_by = !silence.empty() ? silence : flapping ? kFlappingHold : *parent;
    IncidentStep step;
    step.incident = loaded->incident;
    if (change.from != change.to) {
      step = applyChange(loaded->incident, change, info.warning_alerter, info.critical_alerter,
                         options_.member_id, new_id, silenced_by,
                         !silence.empty() && !silences_.notifyAfter(silence));
      if (!step.changed) {
        step.incident = loaded->incident;
      }
    }
    // Then the flapping: a start is recorded after the change it holds back; a stop sends
    // what it held back, this change included.
    // (The next step is computed before merging: merged() takes both by value, and the order
    // in which arguments are made is unspecified.)
    if (flap == state::FlapChange::kStarted) {
      IncidentStep next =
          startFlapping(std::move(step.incident), change.check, change.flap_percent,
                        flappingAlerters(info.warning_alerter, info.critical_alerter),
                        options_.member_id, new_id, now, notices_held_by);
      step = merged(std::move(step), std::move(next));
    } else if (flap == state::FlapChange::kStopped && step.incident) {
      IncidentStep next =
          stopFlapping(std::move(*step.incident), options_.member_id, now, notices_held_by);
      step = merged(std::move(step), std::move(next));
    }
    if (!step.changed) {
      finishWork(change.check, token);
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
    finishWork(change.check, token);
    scheduleFollowUp(change.check, step.incident);
    if (step.incident && !step.deliveries.empty()) {
      enqueue(info, *step.incident, step.deliveries);
    }
    if (!step.suppressed.empty()) {
      noteSuppressed(
          change.check,
          fmt::format("{} -> {}", state::stateName(change.from), state::stateName(change.to)),
          step.suppressed, silenced_by);
    }
    if (step.incident) {
      noteHolds(change.check, *step.incident);  // what a stop handed to a silence or parent
    }
    if (flap != state::FlapChange::kNone) {
      ChangeOfState noted = change;
      noted.flap = flap;
      noteFlapping(noted, step);
    }
    return;
  }
  later("the incident kept changing");
}

void Dispatcher::noteHolds(const std::string& check, const Incident& incident) {
  for (const auto& [name, told] : incident.alerters) {
    if (!told.suppressed || told.suppressed->by == kFlappingHold) {
      continue;  // flapping's holds are released by its stop, not looked at
    }
    suppressed_checks_.insert(check);
    if (told.suppressed->by.starts_with("parent ")) {
      parent_held_.insert(check);
      armParentPoll();
    }
  }
}

void Dispatcher::noteFlapping(const ChangeOfState& change, const IncidentStep& step) {
  const bool started = change.flap == state::FlapChange::kStarted;
  std::vector<std::string> told;
  for (const auto& d : step.deliveries) {
    if (d.kind == (started ? NotificationKind::kFlapping : NotificationKind::kFlappingStopped)) {
      told.push_back(d.alerter);
    }
  }
  {
    std::lock_guard lock(stats_mu_);
    (started ? stats_.flapping : stats_.flapping_stopped) += told.size();
    stats_.suppressed += static_cast<uint64_t>(step.dropped);
  }
  const std::string to =
      told.empty() ? std::string("no alerter told") : fmt::format("told {}", fmt::join(told, ", "));
  const std::string message =
      started ? fmt::format(
          "'{}' is flapping ({:.0f}% of its last 21 runs changed state): {}; "
          "no alert per change until it settles",
          change.check, change.flap_percent, to)
              : fmt::format("'{}' stopped flapping ({:.0f}%), {} now: {}", change.check,
                            change.flap_percent, state::stateName(change.to), to);
  spdlog::info("alerts: {}", message);
  if (options_.on_info) {
    options_.on_info(store::event_kind::kAlertFlapping, change.check, message);
  }
}

void Dispatcher::noteSuppressed(const std::string& check, const std::string& what,
                                const std::vector<Delivery>& held, const std::string& silence) {
  suppressed_checks_.insert(check);
  if (silence.starts_with("parent ")) {
    parent_held_.insert(check);
    armParentPoll();
  }
  {
    std::lock_guard lock(stats_mu_);
    stats_.suppressed += held.size();
  }
  std::string to;
  for (const auto& d : held) {
    to += (to.empty() ? "" : ", ") + d.alerter;
  }
  const bool by_silence = silence != kFlappingHold && !silence.starts_with("parent ");
  const std::string message = fmt::format("'{}' {}: {} to {} held back by {}{}", check, what,
                                          notificationKindName(held.front().kind), to,
                                          by_silence ? "silence " : "", silence);
  spdlog::info("alerts: {}", message);
  if (options_.on_info) {
    options_.on_info(store::event_kind::kAlertSuppressed, check, message);
  }
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
    if (unrecorded_.contains({check.name, d.alerter, d.transition_id})) {
      // Delivered by this member before; its record is still being written (etcd was away
      // and the check came back to us meanwhile).
      spdlog::info(
          "alerts: {} for '{}' to '{}' ({}) was delivered already; its record is on "
          "its way",
          notificationKindName(d.kind), check.name, d.alerter, d.transition_id);
      continue;
    }
    Job job;
    job.notification =
        makeNotification(check, incident, d, options_.member_id, options_.external_url);
    job.notification.ack_link = ackLinkFor(incident, d);
    job.alerter = d.alerter;
    if (auto told = incident.alerters.find(d.alerter);
        told != incident.alerters.end() && told->second.transition_id == d.transition_id) {
      job.digest_of = told->second.digest;  // a state notification: where its failure went
      job.alone = told->second.alone;
    }
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
  if (!job.storm_passed && digested(key, job)) {
    pump(key);
    return;
  }
  job.in_flight = true;
  if (job.attempts++ == 0) {
    job.first_try = std::chrono::steady_clock::now();
  }
  postDelivery([this, key, n = job.notification, alerter = entry->alerter, type = entry->type] {
    if (stopped_) {
      return;
    }
    Result<void> r = deliverOnce(*alerter, n, options_.timeout);
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
  if (job.released && !outcome) {
    // The check left while this attempt ran: its next owner sends it (still unsettled).
    spdlog::info(
        "alerts: {} for '{}' to '{}' failed after the check left this member: {}; "
        "its next owner sends it",
        kind, check, alerter, outcome.error().message);
    it->second.pop_front();
    pump(key);
    return;
  }
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

bool Dispatcher::digested(const LaneKey& key, Job& job) {
  job.storm_passed = true;
  // Named, not bound: a lambda below uses them (clang does not capture structured bindings).
  const std::string& check = key.first;
  const std::string& alerter = key.second;
  const StormInput in{check, job.notification.kind, job.digest_of, job.alone};
  // A resolve whose failure a digest carried goes to it even after storms were turned off.
  if (!passesStorm(in) || (!storms_->limits().on() && in.digest_of.empty())) {
    return false;
  }
  // The incident records the digest carrying it in the storm record's own txn.
  std::optional<Incident> written;
  const std::string tid = job.notification.transition_id;
  auto carried = [&](const std::string& storm) -> Result<std::optional<store::GuardedWrite>> {
    auto loaded = incidents_.load(check);
    if (!loaded) {
      return tl::unexpected(loaded.error());
    }
    if (!loaded->incident) {
      return std::nullopt;  // over: nothing to tell
    }
    Incident inc = std::move(*loaded->incident);
    auto told = inc.alerters.find(alerter);
    if (told == inc.alerters.end() || told->second.transition_id != tid || told->second.settled()) {
      // Moved on (a newer state will be told), or settled already: by another member that
      // took the check over meanwhile, or by this one before a lost answer from etcd.
      return std::nullopt;
    }
    recordOutcome(inc, alerter, tid, true, storm);
    written = inc.finished() ? std::nullopt : std::optional<Incident>(std::move(inc));
    return incidents_.write(check, written, loaded->mod_revision);
  };
  auto storm = storms_->pass(alerter, in, carried);
  if (!storm) {
    // The txn may have been written even so (etcd's answer lost): then it is carried.
    auto again = incidents_.load(check);
    const Told* told = again && again->incident && again->incident->alerters.contains(alerter)
                           ? &again->incident->alerters.at(alerter)
                           : nullptr;
    if (told == nullptr || told->transition_id != tid || !told->delivered || told->digest.empty()) {
      spdlog::warn("alerts: {} for '{}' to '{}' sent on its own: the storm record: {}",
                   notificationKindName(in.kind), check, alerter, storm.error().message);
      return false;
    }
    storm = std::optional<std::string>(told->digest);
  }
  if (*storm && (*storm)->empty()) {
    return false;  // on its own
  }
  if (!*storm) {
    spdlog::info(
        "alerts: {} for '{}' to '{}' dropped: its incident has moved on or has it "
        "settled ({})",
        notificationKindName(in.kind), check, alerter, tid);
  } else {
    spdlog::info("alerts: {} for '{}' to '{}' goes into a digest of storm {} ({})",
                 notificationKindName(in.kind), check, alerter, **storm, tid);
    if (follow_up_due_.contains(check)) {
      scheduleFollowUp(check, written);
    }
  }
  lanes_[key].pop_front();  // `job` is gone from here on
  return true;
}

void Dispatcher::settle(const std::string& check, const std::string& alerter,
                        const std::string& transition_id, bool delivered, int tries) {
  const std::tuple<std::string, std::string, std::string> key{check, alerter, transition_id};
  for (int round = 0; round < kCasTries; ++round) {
    auto loaded = incidents_.load(check);
    if (!loaded) {
      break;
    }
    if (!loaded->incident) {
      unrecorded_.erase(key);
      return;
    }
    Incident inc = std::move(*loaded->incident);
    if (!recordOutcome(inc, alerter, transition_id, delivered)) {
      unrecorded_.erase(key);
      return;  // the incident moved on: this outcome is history
    }
    std::optional<Incident> next;
    if (!inc.finished()) {
      next = std::move(inc);
    }
    auto saved = incidents_.save(check, next, loaded->mod_revision);
    if (saved) {
      unrecorded_.erase(key);
      if (follow_up_due_.contains(check)) {
        scheduleFollowUp(check, next);  // a settled follow-up lets the next reminder come
      }
      return;
    }
    if (saved.error().code != Errc::kConflict) {
      break;
    }
  }
  // etcd unreachable: the outcome must still be recorded, or a next owner re-sends it (and
  // this member must not, should the check come back to it first).
  if (delivered) {
    unrecorded_.insert(key);
  }
  if (milliseconds(kEtcdRetry * (tries + 1)) > options_.retry_for) {
    unrecorded_.erase(key);
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
  asio::post(io_, [this, checks = std::move(checks), epoch = lease_epoch_.load()] {
    handleAdopt(checks, {}, epoch);
  });
}

void Dispatcher::adopt(std::vector<std::string> checks,
                       std::map<std::string, state::Seed> started_from) {
  if (stopped_ || checks.empty()) {
    return;
  }
  asio::post(io_, [this, checks = std::move(checks), started_from = std::move(started_from),
                   epoch = lease_epoch_.load()] { handleAdopt(checks, started_from, epoch); });
}

void Dispatcher::handleAdopt(const std::vector<std::string>& checks,
                             const std::map<std::string, state::Seed>& started_from,
                             uint64_t epoch) {
  if (epoch != lease_epoch_) {
    return;  // they arrived on a lease this member has lost since
  }
  auto loaded = incidents_.loadMany(checks);
  if (!loaded) {
    spdlog::warn("alerts: cannot read incidents of {} arriving check(s) ({}); retrying",
                 checks.size(), loaded.error().message);
    retryLater([this, checks, started_from, epoch] { handleAdopt(checks, started_from, epoch); },
               kEtcdRetry);
    return;
  }
  // Their follow-ups from the incidents as read; an incident the seeds below change is
  // scheduled again when it is written (this order: a later call would undo that).
  for (const auto& [check, stored] : *loaded) {
    scheduleFollowUp(check, stored.incident);
  }
  for (const auto& [check, seed] : started_from) {
    auto found = loaded->find(check);
    const Incident* incident =
        found != loaded->end() && found->second.incident ? &*found->second.incident : nullptr;
    const state::CheckState alerted =
        incident && !incident->resolved() ? incident->status : state::CheckState::kOk;
    // Flapping by its state key, not by its incident: the old owner did not record the start
    // (unless the incident recorded a stop after the key was written: the key is behind).
    const bool stopped_since = incident && incident->flaps > 0
                               && seed.history_at != common::SystemTime{}
                               && incident->updated >= seed.history_at;
    const bool flap = seed.flapping && !(incident && incident->flapping) && !stopped_since;
    if (seed.state <= alerted && !flap) {
      continue;
    }
    // The check starts here worse than anyone alerted: its state key says so, its incident
    // does not. The change is this member's to alert now (an incident write racing with
    // the old owner's is settled by compare-and-swap: re-entering an alerted state sends
    // nothing).
    spdlog::warn("alerts: '{}' arrived {}{} but its incident says {}{}: alerting the change", check,
                 state::stateName(seed.state), seed.flapping ? " and flapping" : "",
                 state::stateName(alerted), flap ? ", not flapping" : "");
    ChangeOfState change{check,
                         seed.state > alerted ? alerted : seed.state,
                         seed.state,
                         seed.count,
                         fmt::format("{} when this member took the check over (the change "
                                     "was not alerted by its previous owner)",
                                     state::stateName(seed.state)),
                         std::chrono::system_clock::now(),
                         flap ? state::FlapChange::kStarted : state::FlapChange::kNone,
                         seed.history ? seed.history->percent() : 0,
                         seed.flapping};
    handleChange(change, epoch, 0, nullptr);
  }
  bool any_suppressed = false;
  for (auto& [check, stored] : *loaded) {
    if (stored.incident && hasSuppressed(*stored.incident)) {
      suppressed_checks_.insert(check);  // sent by onSilencesChanged() once no longer silenced
      any_suppressed = true;
    }
  }
  if (any_suppressed) {
    onSilencesChanged();
  }
  for (auto& [check, stored] : *loaded) {
    if (!stored.incident) {
      continue;
    }
    auto pending = unsettled(*stored.incident);
    if (pending.empty()) {
      continue;
    }
    // Another member may be finishing an attempt right now, even one whose lease is gone
    // (cut off from etcd, it stops starting attempts once it knows, but one in flight runs
    // to its timeout). Its record, if it can write one, is read again after the grace.
    const std::string& owner = stored.incident->owner;
    const milliseconds grace = owner != options_.member_id ? options_.adopt_grace : milliseconds{0};
    spdlog::info("alerts: '{}' arrived with {} unsettled alert(s) from member {}; sending {}",
                 check, pending.size(), owner,
                 grace.count() > 0 ? fmt::format("in {} ms", grace.count()) : "now");
    Incident inc = std::move(*stored.incident);
    if (grace.count() == 0) {
      enqueue(checkInfo(check), inc, pending);
      continue;
    }
    retryWhileOwned(check, grace, [this, check = check, epoch] {
      if (epoch != lease_epoch_) {
        return;  // the lease was lost meanwhile
      }
      // Read again: the old owner may have settled them meanwhile.
      auto again = incidents_.load(check);
      if (!again || !again->incident) {
        return;
      }
      enqueue(checkInfo(check), *again->incident, unsettled(*again->incident));
    });
  }
}

void Dispatcher::release(const std::string& check) {
  asio::post(io_, [this, check] { releaseOnLoop(check); });
}

void Dispatcher::releaseOnLoop(const std::string& check) {
  overflowed_.erase(check);  // the next owner sends what it held back
  suppressed_checks_.erase(check);
  parent_held_.erase(check);
  if (auto waiting = waiting_for_parents_.find(check); waiting != waiting_for_parents_.end()) {
    // Never written: the next owner judges the check itself.
    std::lock_guard lock(stats_mu_);
    stats_.abandoned += waiting->second.size();
    waiting_for_parents_.erase(waiting);
  }
  follow_up_due_.erase(check);  // the next owner follows it up
  auto [from, to] = owned_work_.equal_range(check);
  for (auto it = from; it != to; ++it) {
    *it->second = true;
  }
  owned_work_.erase(from, to);
  for (auto it = lanes_.lower_bound({check, ""}); it != lanes_.end() && it->first.first == check;) {
    auto& lane = it->second;
    // Keep only an attempt in flight (its outcome is still recorded, a failure is not
    // retried); a retry waiting for its timer is dropped like the rest: the new owner
    // sends it.
    std::erase_if(lane, [](const Job& j) { return !j.in_flight; });
    for (auto& job : lane) {
      job.released = true;
    }
    it = lane.empty() ? lanes_.erase(it) : std::next(it);
  }
  queued_ = queued();
}

void Dispatcher::leaseLost() {
  const uint64_t epoch = ++lease_epoch_;  // changes seen before now are never written
  asio::post(io_, [this, epoch] {
    std::set<std::string> checks;
    for (const auto& [key, lane] : lanes_) {
      checks.insert(key.first);
    }
    for (const auto& [check, token] : owned_work_) {
      checks.insert(check);
    }
    checks.insert(overflowed_.begin(), overflowed_.end());
    checks.insert(suppressed_checks_.begin(), suppressed_checks_.end());
    for (const auto& [check, waiting] : waiting_for_parents_) {
      checks.insert(check);
    }
    for (const auto& [check, due] : follow_up_due_) {
      checks.insert(check);
    }
    for (const auto& check : checks) {
      releaseOnLoop(check);
    }
    handled_epoch_ = epoch;  // follow-ups may run again (for checks adopted from now on)
    if (!checks.empty()) {
      spdlog::warn(
          "alerts: lease lost: stopped the deliveries of {} check(s); their next "
          "owners send what is unsettled",
          checks.size());
    }
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
  out.counter("ninevolt_alerts_suppressed_total",
              "Notifications a silence held back (recorded in the incident; what is still true "
              "is sent when the silence ends).",
              s.suppressed);
  out.counter("ninevolt_alerts_reminders_total",
              "Reminders recorded to send: open, unacknowledged incidents still failing.",
              s.reminders);
  out.counter("ninevolt_alerts_escalations_total",
              "Notifications of escalation steps recorded to send (one per alerter told).",
              s.escalations);
  out.counter("ninevolt_alerts_acks_total",
              "Acknowledgement announcements recorded to send (one per alerter told).", s.acks);
  out.counter("ninevolt_alerts_flapping_total",
              "Notifications that a check started flapping, recorded to send (one per alerter "
              "told).",
              s.flapping);
  out.counter("ninevolt_alerts_flapping_stopped_total",
              "Notifications that a check stopped flapping, recorded to send (one per alerter "
              "told).",
              s.flapping_stopped);
  out.counter("ninevolt_alerts_digested_total",
              "Notifications this member put into an alert storm's digest instead of sending "
              "them (recorded in their incidents as carried by the storm).",
              s.storms.digested);
  out.counter("ninevolt_alerts_digests_sent_total",
              "Alert storm digests this member sent (also counted in ninevolt_alerts_sent_total).",
              s.storms.sent);
  out.counter("ninevolt_alerts_digests_failed_total",
              "Alert storm digests this member gave up sending.", s.storms.failed);
  out.counter("ninevolt_alerts_abandoned_total",
              "State changes not written because their check left this member (or it lost "
              "its etcd lease) while etcd could not be reached; the next owner judges them.",
              s.abandoned);
}

DispatcherStats Dispatcher::stats() const {
  std::lock_guard lock(stats_mu_);
  DispatcherStats s = stats_;
  s.queued = queued_;
  s.storms = storms_->stats();
  return s;
}

}  // namespace ninevolt::alerts
