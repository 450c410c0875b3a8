#include "events/event_log.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/thread_name.h"

namespace ninevolt::events {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr int kLeaseAttempts = 3;

// Cuts s to at most n bytes without splitting a UTF-8 sequence.
void truncateUtf8(std::string& s, size_t n) {
  if (s.size() <= n) {
    return;
  }
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0U) == 0x80U) {
    --n;
  }
  s.resize(n);
  s += "...";
}

}  // namespace

EventLog::EventLog(std::shared_ptr<store::Store> store, Options options)
    : store_(std::move(store)),
      options_(std::move(options)),
      active_{options_.retention, options_.rotation, options_.max_events},
      queue_(options_.queue_limit),
      limits_(active_),
      thread_([this] {
        common::nameThisThread("9v-events");
        run();
      }) {}

EventLog::~EventLog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  std::lock_guard lock(mu_);
  if (!queue_.empty()) {
    spdlog::warn("event log: stopping with {} event(s) not written to etcd", queue_.size());
  }
}

common::SystemTime EventLog::now() const {
  return options_.now ? options_.now() : std::chrono::system_clock::now();
}

void EventLog::record(store::Event event) {
  if (event.time == common::SystemTime{}) {
    event.time = now();
  }
  event.time = std::chrono::floor<std::chrono::microseconds>(event.time);  // as stored
  if (event.member_id.empty()) {
    event.member_id = options_.member_id;
  }
  truncateUtf8(event.message, kMaxMessageBytes);
  std::string key = store_->keys().event(event.time, event.member_id, next_seq_++);
  size_t dropped = 0;
  {
    std::lock_guard lock(mu_);
    recorded_++;
    dropped = queue_.push({std::move(key), std::move(event)});
    if (dropped > 0 && !dropping_) {
      dropping_ = true;
      spdlog::warn("event log: {} events waiting for etcd; dropping the oldest", queue_.limit());
    }
  }
  wake_.notify_one();
}

void EventLog::record(const char* type, const char* kind, std::string message, std::string check,
                      std::string member) {
  record(store::Event{.type = type,
                      .kind = kind,
                      .message = std::move(message),
                      .check = std::move(check),
                      .member = std::move(member)});
}

void EventLog::setTrimming(bool on) {
  {
    std::lock_guard lock(mu_);
    trimming_ = on;
    next_trim_ = Clock::now();  // soon after taking over
  }
  wake_.notify_one();
}

void EventLog::setLimits(std::chrono::seconds retention, std::chrono::seconds rotation,
                         size_t max_events) {
  {
    std::lock_guard lock(mu_);
    if (limits_.retention == retention && limits_.rotation == rotation
        && limits_.max_events == max_events) {
      return;
    }
    limits_ = {retention, rotation, max_events};
    limits_changed_ = true;
  }
  spdlog::info("event log: retention {}s (+ rotation {}s), at most {} events", retention.count(),
               rotation.count(), max_events);
  wake_.notify_one();
}

bool EventLog::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return drained_.wait_for(lock, timeout, [this] { return queue_.empty() && in_flight_ == 0; });
}

EventLog::Stats EventLog::stats() const {
  std::lock_guard lock(mu_);
  return {.recorded = recorded_,
          .written = written_,
          .dropped = queue_.dropped(),
          .trimmed = trimmed_,
          .queued = queue_.size() + in_flight_};
}

void EventLog::run() {
  auto backoff = std::chrono::milliseconds(0);
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto trim_due = [this] { return trimming_ && Clock::now() >= next_trim_; };
    if (queue_.empty() && !trim_due()) {
      auto until = trimming_ ? next_trim_ : Clock::now() + std::chrono::hours(1);
      wake_.wait_until(lock, until, [&] { return stopping_ || !queue_.empty() || trim_due(); });
      continue;
    }
    bool trim_now = trim_due();
    auto batch = queue_.take(store::Store::kMaxEventsPerTxn);
    in_flight_ = batch.size();
    const bool limits_changed = std::exchange(limits_changed_, false);
    active_ = limits_;
    lock.unlock();
    if (limits_changed) {
      rotate_at_ = {};  // re-check the shared lease against the new retention
    }
    bool ok = batch.empty() || write(batch);
    if (trim_now) {
      trim();
    }
    lock.lock();
    in_flight_ = 0;
    if (trim_now) {
      next_trim_ = Clock::now() + options_.trim_interval;
    }
    if (ok) {
      backoff = std::chrono::milliseconds(0);
      written_ += batch.size();
    } else {
      queue_.putBack(std::move(batch));
      backoff = std::clamp(backoff * 2, kFirstBackoff, options_.max_backoff);
      // Waits out the backoff; a stop ends it at once.
      wake_.wait_for(lock, backoff, [this] { return stopping_; });
    }
    if (queue_.empty() && dropping_) {
      dropping_ = false;
      spdlog::warn("event log: {} event(s) dropped in all while etcd could not take them",
                   queue_.dropped());
    }
    if (queue_.empty()) {
      drained_.notify_all();
    }
  }
}

void EventLog::noteFailure(const std::string& what) {
  if (!failing_) {
    spdlog::warn("event log: {} (events stay queued; retrying)", what);
  }
  failing_ = true;
}

bool EventLog::write(std::vector<store::StoredEvent>& batch) {
  auto lease = ensureLease();
  if (!lease) {
    noteFailure("no retention lease: " + lease.error().message);
    return false;
  }
  auto res = store_->createEvents(batch, *lease);
  if (!res) {
    if (res.error().code == Errc::kNotFound) {
      lease_id_ = 0;  // the lease expired under us: find or make the current one
    }
    noteFailure(fmt::format("cannot write {} event(s): {}", batch.size(), res.error().message));
    return false;
  }
  if (!*res && !writeOneByOne(batch, *lease)) {
    return false;
  }
  if (failing_) {
    spdlog::info("event log: writing to etcd again");
    failing_ = false;
  }
  return true;
}

bool EventLog::writeOneByOne(std::vector<store::StoredEvent>& batch, int64_t lease) {
  // Some key of the batch exists: write each alone, re-keying the ones that collide.
  while (!batch.empty()) {
    auto& e = batch.front();
    auto res = store_->createEvents({e}, lease);
    if (!res) {
      noteFailure(fmt::format("cannot write event {}: {}", e.key, res.error().message));
      return false;
    }
    if (!*res) {
      auto ours = store_->eventStored(e);
      if (!ours) {
        noteFailure(fmt::format("cannot read event {}: {}", e.key, ours.error().message));
        return false;
      }
      if (!*ours) {
        std::string again = store_->keys().event(e.event.time, e.event.member_id, next_seq_++);
        spdlog::info("event log: key {} is taken; writing that event as {}", e.key, again);
        e.key = std::move(again);
        continue;
      }
    }
    batch.erase(batch.begin());
    std::lock_guard lock(mu_);
    written_++;
    in_flight_--;
  }
  return true;
}

Result<int64_t> EventLog::ensureLease() {
  const auto start = Clock::now();
  if (lease_id_ != 0 && start < rotate_at_) {
    return lease_id_.load();
  }
  const int64_t retention = active_.retention.count();
  const auto ttl = active_.retention + active_.rotation;
  for (int attempt = 0; attempt < kLeaseAttempts; ++attempt) {
    auto stored = store_->getEventLease();
    if (!stored) {
      return tl::unexpected(stored.error());
    }
    int64_t expected_revision = 0;
    if (stored->has_value()) {
      const auto& record = **stored;
      expected_revision = record.mod_revision;
      if (record.id != 0) {
        auto info = store_->leaseInfo(record.id);
        if (!info) {
          return tl::unexpected(info.error());
        }
        // Adopt it while events written on it still live at least `retention` (etcd
        // reports whole seconds, rounded down) and at most as long as a lease granted now
        // (a shorter retention set since it was granted).
        if (info->ttl >= retention && info->ttl <= ttl.count()) {
          if (lease_id_ != record.id) {
            spdlog::info("event log: using the shared retention lease {:x} ({}s left)", record.id,
                         info->ttl);
          }
          lease_id_ = record.id;
          rotate_at_ = start + std::chrono::seconds(info->ttl - retention);
          return record.id;
        }
      }
    }
    // Absent, expired or too old: replace it (the old one lives on until it expires).
    auto granted = store_->grantLease(ttl);
    if (!granted) {
      return tl::unexpected(granted.error());
    }
    store::EventLeaseRecord record{
        .id = *granted, .ttl_seconds = ttl.count(), .granted = common::nowRfc3339()};
    auto swapped = store_->replaceEventLease(record, expected_revision);
    if (swapped && *swapped) {
      spdlog::info("event log: new shared retention lease {:x} (TTL {}s)", *granted, ttl.count());
      lease_id_ = *granted;
      rotate_at_ = start + active_.rotation;
      return *granted;
    }
    (void)store_->revokeLease(*granted);  // unused: nothing is attached to it
    if (!swapped) {
      return tl::unexpected(swapped.error());
    }
    // Another member replaced it first: read again and adopt theirs.
  }
  return fail(Errc::kConflict, "the shared event lease kept changing while being replaced");
}

void EventLog::trim() {
  const size_t max_events = active_.max_events;
  auto trimmed = store_->trimEvents(static_cast<int64_t>(max_events));
  if (!trimmed) {
    spdlog::warn("event log: cannot trim to {} events: {}", max_events, trimmed.error().message);
    return;
  }
  if (*trimmed > 0) {
    spdlog::info("event log: deleted the {} oldest event(s) beyond the cap of {}", *trimmed,
                 max_events);
    std::lock_guard lock(mu_);
    trimmed_ += static_cast<uint64_t>(*trimmed);
  }
}

}  // namespace ninevolt::events
