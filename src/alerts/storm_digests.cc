#include "alerts/storm_digests.h"

#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "alerts/backoff.h"

namespace ninevolt::alerts {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

// Every member may be writing the same record in a storm: many rounds, and after a few lost
// ones a short random pause so that the members do not keep colliding.
constexpr int kCasTries = 20;
void pauseAfterConflict(int round, std::mt19937_64& rng) {
  if (round >= 2) {
    std::uniform_int_distribution<int> ms(0, std::min(2 * round, 20));
    std::this_thread::sleep_for(milliseconds(ms(rng)));
  }
}

}  // namespace

StormDigests::StormDigests(asio::io_context& io, std::shared_ptr<store::Store> store,
                           Options options)
    : io_(io), storms_(store), store_(std::move(store)), options_(std::move(options)) {}

StormDigests::~StormDigests() {
  *alive_ = false;
}

void StormDigests::start() {
  stopped_ = false;
  sweep_timer_ = std::make_unique<asio::steady_timer>(io_);
  timer_ = std::make_unique<asio::steady_timer>(io_);
  sweep();
}

void StormDigests::stop() {
  stopped_ = true;
  *alive_ = false;
  alive_ = std::make_shared<bool>(true);
  if (timer_) {
    timer_->cancel();
  }
  if (sweep_timer_) {
    sweep_timer_->cancel();
  }
  sending_.clear();
  due_.clear();
}

void StormDigests::setLimits(const StormLimits& limits) {
  if (limits != limits_) {
    spdlog::info("alerts: storm digests {}",
                 limits.on() ? fmt::format("after more than {} failures to "
                                           "one alerter within {}",
                                           limits.threshold, common::formatDuration(limits.window))
                             : std::string("off"));
  }
  limits_ = limits;
}

StormStats StormDigests::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

void StormDigests::later(std::function<void()> fn, milliseconds delay) {
  auto timer = std::make_shared<asio::steady_timer>(io_, delay);
  timer->async_wait(
      [timer, fn = std::move(fn), alive = alive_](const boost::system::error_code& ec) {
        if (!ec && *alive) {
          fn();
        }
      });
}

Result<std::optional<std::string>> StormDigests::pass(const std::string& alerter,
                                                      const StormInput& in,
                                                      const CarriedWrite& carried) {
  for (int round = 0; round < kCasTries; ++round) {
    auto loaded = storms_.load(alerter);
    if (!loaded) {
      return tl::unexpected(loaded.error());
    }
    StormRecord record = loaded->record.value_or(StormRecord{});
    const auto now = std::chrono::system_clock::now();
    std::string storm = passStorm(record, in, now, limits_);
    std::optional<StormRecord> next;
    if (!emptyRecord(record)) {
      next = std::move(record);
    }
    std::optional<store::GuardedWrite> also;
    if (!storm.empty()) {
      auto write = carried(storm);
      if (!write) {
        return tl::unexpected(write.error());
      }
      if (!*write) {
        return std::nullopt;  // its incident moved on, or has it settled: drop it
      }
      also = std::move(*write);
    }
    if (!next && !loaded->record) {
      return storm;  // nothing to remember (and nothing carried: storms need a record)
    }
    auto saved = storms_.save(alerter, next, loaded->mod_revision, also);
    if (!saved && saved.error().code == Errc::kConflict) {
      pauseAfterConflict(round, rng_);
      continue;
    }
    if (!saved) {
      return tl::unexpected(saved.error());
    }
    if (!storm.empty()) {
      {
        std::lock_guard lock(stats_mu_);
        stats_.digested++;
      }
      if (auto due = nextDigestDue(*next, limits_)) {
        armTimer(alerter, *due);
      }
    }
    return storm;
  }
  return fail(Errc::kConflict, "the storm record of '" + alerter + "' kept changing");
}

void StormDigests::armTimer(const std::string& alerter, common::SystemTime due) {
  if (stopped_) {
    return;
  }
  auto [it, added] = due_.try_emplace(alerter, due);
  if (!added && due < it->second) {
    it->second = due;
  }
  common::SystemTime earliest = due;
  for (const auto& [name, t] : due_) {
    earliest = std::min(earliest, t);
  }
  // At most a sweep away (a time read from etcd may be centuries off; the sweep looks anyway).
  const auto now = std::chrono::system_clock::now();
  const auto wait = earliest <= now ? common::SystemTime::duration::zero()
                    : earliest - now < options_.sweep
                        ? earliest - now
                        : std::chrono::duration_cast<common::SystemTime::duration>(options_.sweep);
  timer_->expires_after(std::chrono::duration_cast<milliseconds>(wait) + milliseconds(5));
  timer_->async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (!ec && *alive) {
      onTimer();
    }
  });
}

void StormDigests::onTimer() {
  const auto now = std::chrono::system_clock::now();
  std::vector<std::string> due;
  for (auto it = due_.begin(); it != due_.end();) {
    if (it->second <= now) {
      due.push_back(it->first);
      it = due_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& alerter : due) {
    look(alerter);
  }
  if (!due_.empty()) {
    auto first = due_.begin();
    armTimer(first->first, first->second);
  }
}

void StormDigests::sweep() {
  if (stopped_) {
    return;
  }
  sweep_timer_->expires_after(options_.sweep);
  sweep_timer_->async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (!ec && *alive) {
      sweep();
    }
  });
  auto all = storms_.loadAll();
  if (!all) {
    spdlog::warn("alerts: cannot read the storm records: {}", all.error().message);
    return;
  }
  bool unsent_elsewhere = false;
  for (const auto& [alerter, stored] : *all) {
    if (!stored.record) {
      continue;
    }
    for (const auto& [n, s] : stored.record->storms) {
      unsent_elsewhere = unsent_elsewhere || (s.outbox && s.outbox->by != options_.member_id);
    }
  }
  std::optional<std::set<std::string>> live;
  if (unsent_elsewhere) {
    auto ids = store_->liveMemberIds();
    if (ids) {
      live = std::move(*ids);
    }
  }
  for (const auto& [alerter, stored] : *all) {
    look(alerter, live ? &*live : nullptr, &stored);
  }
}

void StormDigests::look(const std::string& alerter, const std::set<std::string>* live,
                        const store::StoredStorm* read) {
  if (stopped_ || (options_.can_send && !options_.can_send(alerter))) {
    return;
  }
  // A digest another member claimed is taken over when that member is gone (not live) and has
  // had time to finish an attempt it may still be making (cut off from etcd, or between its
  // lease and its send: as a check's new owner waits), or when it has had far longer than its
  // retries take.
  const auto grace = options_.timeout + milliseconds(2'000);
  const auto stale = options_.retry_for + options_.timeout + milliseconds(60'000);
  for (int round = 0; round < kCasTries; ++round) {
    auto loaded =
        round == 0 && read != nullptr ? Result<store::StoredStorm>(*read) : storms_.load(alerter);
    if (!loaded || !loaded->record) {
      return;
    }
    StormRecord record = std::move(*loaded->record);
    const auto now = std::chrono::system_clock::now();
    pruneStorms(record, now, limits_);
    auto claim = claimDigest(
        record, now, limits_, options_.member_id, [&](int64_t storm, const StormOutbox& out) {
          if (out.by == options_.member_id) {
            return !sending_.contains({alerter, storm, out.n});
          }
          return (live != nullptr && !live->contains(out.by) && out.at < now - grace)
                 || out.at < now - stale;
        });
    if (!claim) {
      if (emptyRecord(record)) {
        (void)storms_.save(alerter, std::nullopt, loaded->mod_revision);  // over: forget it
      }
      if (auto due = nextDigestDue(record, limits_)) {
        // Not before a second from now: a digest due but not claimable here waits for the
        // sweep, not a busy loop.
        armTimer(alerter, std::max(*due, now + std::chrono::seconds(1)));
      }
      return;
    }
    auto saved = storms_.save(alerter, record, loaded->mod_revision);
    if (!saved && saved.error().code == Errc::kConflict) {
      continue;
    }
    if (!saved) {
      spdlog::warn("alerts: cannot claim a digest of '{}': {}", alerter, saved.error().message);
      return;
    }
    sending_.insert({alerter, claim->storm, claim->outbox.n});
    attempt(alerter, std::move(*claim), 0, std::chrono::steady_clock::now());
    // More may be due (another storm's): look again right away.
  }
}

void StormDigests::attempt(const std::string& alerter, DigestClaim claim, int attempts,
                           std::chrono::steady_clock::time_point first_try) {
  if (stopped_ || !options_.send) {
    return;
  }
  Notification n = digestNotification(alerter, claim, limits_, options_.member_id,
                                      options_.external_url, std::chrono::system_clock::now());
  options_.send(
      alerter, n,
      [this, alive = alive_, alerter, claim, attempts, first_try](Result<void> outcome) {
        if (!*alive) {
          return;
        }
        const std::string what =
            fmt::format("digest {} of storm {} to '{}'", claim.outbox.n, claim.storm, alerter);
        if (outcome) {
          {
            std::lock_guard lock(stats_mu_);
            stats_.sent++;
          }
          spdlog::info("alerts: {} sent ({} changes)", what, claim.outbox.batch.changes());
          if (options_.on_info) {
            options_.on_info(
                fmt::format("{} sent: {} state changes, {} checks of the storm still failing", what,
                            claim.outbox.batch.changes(), claim.outbox.still_failing));
          }
          finish(alerter, claim, true);
          return;
        }
        const auto elapsed = std::chrono::steady_clock::now() - first_try;
        std::uniform_real_distribution<double> unit(0.0, 1.0);
        const auto delay =
            backoffDelay(attempts + 1, options_.first_backoff, options_.max_backoff, unit(rng_));
        if (outcome.error().code != Errc::kInvalidArgument
            && elapsed + delay < options_.retry_for) {
          spdlog::warn("alerts: {} failed (attempt {}): {}; retrying in {} ms", what, attempts + 1,
                       outcome.error().message, delay.count());
          later([this, alerter, claim, attempts,
                 first_try] { attempt(alerter, claim, attempts + 1, first_try); },
                delay);
          return;
        }
        {
          std::lock_guard lock(stats_mu_);
          stats_.failed++;
        }
        if (options_.on_event) {
          options_.on_event("error", fmt::format("{} given up after {} attempt(s): {}", what,
                                                 attempts + 1, outcome.error().message));
        }
        finish(alerter, claim, false);
      });
}

void StormDigests::finish(const std::string& alerter, const DigestClaim& claim, bool delivered,
                          int tries) {
  for (int round = 0; round < kCasTries; ++round) {
    auto loaded = storms_.load(alerter);
    if (!loaded) {
      break;
    }
    if (!loaded->record) {
      sending_.erase({alerter, claim.storm, claim.outbox.n});
      return;
    }
    StormRecord record = std::move(*loaded->record);
    if (!finishDigest(record, claim.storm, claim.outbox.n)) {
      sending_.erase({alerter, claim.storm, claim.outbox.n});
      return;  // finished by another member (it took over, and sent it too)
    }
    auto saved = storms_.save(alerter, record, loaded->mod_revision);
    if (saved) {
      sending_.erase({alerter, claim.storm, claim.outbox.n});
      look(alerter);  // the next digest of this storm may be due already
      return;
    }
    if (saved.error().code != Errc::kConflict) {
      break;
    }
  }
  // etcd unreachable: keep it ours (not sent again by this member) and record it later.
  if (milliseconds(1000 * (tries + 1)) > options_.retry_for) {
    if (!delivered) {
      sending_.erase({alerter, claim.storm, claim.outbox.n});  // given up: may be tried again
    }
    spdlog::warn("alerts: could not record digest {} of storm {} to '{}' as {}", claim.outbox.n,
                 claim.storm, alerter, delivered ? "sent" : "given up");
    return;
  }
  later([this, alerter, claim, delivered, tries] { finish(alerter, claim, delivered, tries + 1); },
        milliseconds(1000));
}

}  // namespace ninevolt::alerts
