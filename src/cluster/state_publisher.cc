#include "cluster/state_publisher.h"

#include <algorithm>
#include <functional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/printable.h"
#include "common/yaml_json.h"
#include "state/state_machine.h"

namespace ninevolt::cluster {
namespace {
constexpr size_t kStatesPerTxn = 120;
// A batch's puts stay well under etcd's 1.5 MiB request limit, and a message is cut to this
// (every check type bounds its own; this holds whatever a future one sends): a single
// oversized value would make etcd refuse the whole batch on every flush.
constexpr size_t kTxnBytes = 512 * 1024;
constexpr size_t kMaxMessage = 4096;
// A state's keys and JSON fields besides the name and the message, counted generously.
constexpr size_t kStateOverhead = 320;

int64_t unixSeconds(common::SystemTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
}  // namespace

StatePublisher::StatePublisher(boost::asio::io_context& io, std::shared_ptr<store::Store> store,
                               Options options)
    : store_(std::move(store)), options_(std::move(options)), flush_timer_(io), digest_timer_(io) {}

void StatePublisher::onResult(const engine::RunReport& r) {
  // Engine worker thread, every run: copy what apply() needs and leave. No post: the loop
  // takes the whole inbox once per flush, so thousands of runs per second cost it one
  // wake-up per flush interval, not one each.
  Run run{.check = r.check,
          .state = r.state,
          .result = r.result.status,
          .count = r.count,
          .settled_count = r.settled_count,
          .message = r.result.message,
          .time = r.result.time,
          .duration = r.result.duration,
          .lag = r.lag,
          .skipped = r.skipped,
          .flapping = r.flapping,
          .history = r.history};
  std::lock_guard lock(inbox_mu_);
  inbox_.push_back(std::move(run));
}

void StatePublisher::drainInbox() {
  std::vector<Run> runs;
  {
    std::lock_guard lock(inbox_mu_);
    runs.swap(inbox_);
  }
  if (!running_) {
    return;
  }
  for (auto& r : runs) {
    apply(r);
  }
}

void StatePublisher::apply(Run& run) {
  runs_since_digest_++;
  Written& last = written_[run.check];
  // Late: started kLateAfter past its due time, or skipped a due time since the last run
  // (the previous run was still going). An on-time run takes the check off the list.
  const bool skipped = run.skipped > last.skipped;
  last.skipped = run.skipped;
  if (run.lag > kLateAfter || skipped) {
    late_[run.check] = {
        .run = unixSeconds(run.time),
        .lag_ms = std::chrono::duration_cast<std::chrono::milliseconds>(run.lag).count(),
        .skipped = run.skipped};
  } else if (!late_.empty()) {
    late_.erase(run.check);
  }

  const size_t message_hash = std::hash<std::string>{}(run.message);
  const int settled = std::max(1, run.settled_count);
  const bool needed = last.state != run.state || last.count < 0
                      || std::min(last.count, settled) != std::min(run.count, settled)
                      || last.flapping != run.flapping;
  const bool shown = needed || last.count != run.count || last.message_hash != message_hash;
  if (!shown) {
    return;  // nothing an operator would see changed
  }
  last.state = run.state;
  last.flapping = run.flapping;
  last.count = run.count;
  last.message_hash = message_hash;
  std::string check = run.check;
  if (needed || pending_.count(check) != 0) {
    cosmetic_.erase(check);
    pending_[std::move(check)] = std::move(run);
  } else {
    cosmetic_[std::move(check)] = std::move(run);
  }
}

void StatePublisher::start(int64_t lease_id) {
  const bool moved = lease_id != lease_id_;
  lease_id_ = lease_id;
  if (running_) {
    if (moved) {
      // The digest key is on the old lease, which is going: rewrite it on this one now.
      digest_timer_.cancel();
      writeDigest();
    }
    return;
  }
  running_ = true;
  scheduleFlush();
  scheduleDigest();
}

void StatePublisher::setDigestInterval(std::chrono::milliseconds interval) {
  if (interval == options_.digest_interval) {
    return;
  }
  options_.digest_interval = interval;
  if (running_) {
    scheduleDigest();  // the next digest one new interval from now (not the rest of the old)
  }
}

void StatePublisher::forget(const std::string& check) {
  written_.erase(check);
  pending_.erase(check);
  cosmetic_.erase(check);
  late_.erase(check);
}

void StatePublisher::scheduleFlush() {
  flush_timer_.expires_after(options_.flush_interval);
  flush_timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
    if (!ec) {
      flush();
      scheduleFlush();
    }
  }));
}

void StatePublisher::flush() {
  drainInbox();
  if (!write(pending_)) {
    return;
  }
  if (cosmetic_.empty()) {
    return;
  }
  // The shown-only changes, a few per flush, round robin: a long outage over many checks
  // refreshes each of them in turn at a constant rate.
  std::map<std::string, Run> batch;
  auto it = cosmetic_.upper_bound(cosmetic_cursor_);
  while (batch.size() < kCosmeticPerFlush && !cosmetic_.empty()) {
    if (it == cosmetic_.end()) {
      it = cosmetic_.begin();
    }
    cosmetic_cursor_ = it->first;
    batch.insert(cosmetic_.extract(it++));
  }
  if (!write(batch)) {
    cosmetic_.merge(batch);  // back to wait (nothing newer came: the loop was ours throughout)
  }
}

bool StatePublisher::write(std::map<std::string, Run>& from) {
  while (!from.empty()) {
    // Each put only while its monitor exists (Store::putStates): a result that was pending
    // when the monitor was deleted must not bring back the state key the director just
    // deleted; the gone ones are dropped.
    std::vector<store::CheckStateRecord> states;
    std::vector<std::string> names;
    size_t bytes = 0;
    for (auto it = from.begin();
         it != from.end() && states.size() < kStatesPerTxn && bytes < kTxnBytes; ++it) {
      const Run& r = it->second;
      store::CheckStateRecord state;
      state.check = it->first;
      state.owner = options_.member_id;
      state.status = std::string(state::stateName(r.state));
      state.result = std::string(checks::statusName(r.result));
      state.count = r.count;
      state.message =
          r.message.size() <= kMaxMessage ? r.message : common::printable(r.message, kMaxMessage);
      state.date = common::formatRfc3339(r.time);
      state.duration_ms = std::chrono::duration<double, std::milli>(r.duration).count();
      if (!r.history.uniform()) {
        state.history = r.history.text();  // uniform: `status` throughout, as when absent
      }
      state.flapping = r.flapping;
      // Twice the name (the state's key, the monitor's compare) and the value.
      bytes += 2 * it->first.size() + state.message.size() + kStateOverhead;
      states.push_back(std::move(state));
      names.push_back(it->first);
    }
    auto res = store_->putStates(states);
    if (!res) {
      // Keep them; they go out on a later flush. The written_ marks stay, so a newer
      // result for the same check simply replaces the pending value.
      spdlog::warn("state: {} write(s) waiting: {}", from.size(), res.error().message);
      return false;
    }
    if (!res->written) {
      for (const auto& name : res->gone) {
        spdlog::info("state: not writing the state of '{}': its monitor was deleted", name);
        from.erase(name);
        forget(name);
      }
      if (res->gone.empty()) {
        return false;  // a short answer (the reads see the compares' revision): next flush
      }
      continue;  // the rest of the batch again
    }
    for (const auto& n : names) {
      from.erase(n);
    }
    writes_ += names.size();
  }
  return true;
}

void StatePublisher::writeDigest() {
  drainInbox();
  // The latest late runs first, at most kLateListed of them: the value's size does not
  // depend on how many checks the member has.
  std::vector<std::pair<std::string, Late>> late(late_.begin(), late_.end());
  const size_t listed = std::min(late.size(), kLateListed);
  std::partial_sort(late.begin(), late.begin() + static_cast<std::ptrdiff_t>(listed), late.end(),
                    [](const auto& a, const auto& b) {
                      return a.second.lag_ms != b.second.lag_ms ? a.second.lag_ms > b.second.lag_ms
                                                                : a.first < b.first;
                    });
  store::MemberDigest digest{.member = options_.member_id,
                             .date = std::chrono::system_clock::now(),
                             .checks = written_.size(),
                             .runs = runs_since_digest_,
                             .late_total = late_.size()};
  for (size_t i = 0; i < listed; ++i) {
    digest.late.push_back(
        {late[i].first, late[i].second.run, late[i].second.lag_ms, late[i].second.skipped});
  }
  auto res = store_->putMemberDigest(digest, lease_id_);
  if (res) {
    runs_since_digest_ = 0;
  } else {
    spdlog::warn("state: digest not written: {}", res.error().message);
  }
  scheduleDigest();
}

void StatePublisher::scheduleDigest() {
  digest_timer_.expires_after(options_.digest_interval);
  digest_timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
    if (!ec) {
      writeDigest();
    }
  }));
}

}  // namespace ninevolt::cluster
