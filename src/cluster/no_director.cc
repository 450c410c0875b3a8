#include "cluster/no_director.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cluster/director.h"
#include "common/duration.h"

namespace ninevolt::cluster {
namespace {

const std::string kAlarm{NoDirectorAlarm::kName};

// A gap's length for a message: to a tenth of a second.
std::string gapText(std::chrono::steady_clock::duration gap) {
  const auto tenths = std::chrono::duration_cast<std::chrono::milliseconds>(gap).count() / 100;
  return common::formatDuration(std::chrono::milliseconds(tenths * 100));
}

checks::CheckResult stamped(checks::CheckResult r) {
  r.time = std::chrono::system_clock::now();
  return r;
}

}  // namespace

NoDirectorAlarm::NoDirectorAlarm(boost::asio::io_context& io, std::shared_ptr<store::Store> store,
                                 Options options)
    : io_(io),
      store_(std::move(store)),
      options_(std::move(options)),
      unknown_since_(std::chrono::steady_clock::now()),
      timer_(io) {
  arm(*unknown_since_ + options_.member_ttl + options_.grace);
}

void NoDirectorAlarm::arm(std::chrono::steady_clock::time_point at) {
  timer_.expires_at(at);
  timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
    if (!ec) {
      check();
    }
  }));
}

void NoDirectorAlarm::directorKnown(bool known, bool self) {
  if (stopped_) {
    return;
  }
  if (!known) {
    if (!unknown_since_) {
      unknown_since_ = std::chrono::steady_clock::now();
      arm(*unknown_since_ + options_.member_ttl + options_.grace);
    }
    return;
  }
  timer_.cancel();
  if (unknown_since_ && logged_) {
    spdlog::info("cluster: a director is known again after {} without one{}",
                 gapText(std::chrono::steady_clock::now() - *unknown_since_),
                 self ? " (this member)" : "");
  }
  unknown_since_.reset();
  etcd_agrees_since_.reset();
  logged_ = false;
  if (raised_) {
    raised_ = false;
    // The director clears it (ClusterAlarms); what this member still has queued for it is
    // the director's to send from now on. The director itself keeps its own work: its
    // ClusterAlarms adopts the incident here, on this dispatcher.
    if (!self) {
      options_.alerts.release(kAlarm);
    }
  }
}

void NoDirectorAlarm::setMemberTtl(std::chrono::milliseconds ttl) {
  options_.member_ttl = ttl;
  if (unknown_since_ && !raised_) {
    arm(*unknown_since_ + options_.member_ttl + options_.grace);
  }
}

void NoDirectorAlarm::stop() {
  stopped_ = true;
  timer_.cancel();
}

std::string NoDirectorAlarm::noDirectorWhy() {
  auto read = store_->readDirectorKey();
  if (!read) {
    spdlog::debug("cluster: cannot read the director key: {}", read.error().message);
    return "";
  }
  if (!read->kv) {
    return "the director key is absent (every campaign fails: see the members' logs)";
  }
  const auto id = directorIdOf(read->kv->value);
  if (!id) {
    return "the director key holds something that is no director's record";
  }
  auto live = store_->liveMemberIds();
  if (!live) {
    return "";
  }
  if (read->kv->lease == 0 || !live->contains(*id)) {
    return "the director key names a member that is not registered";
  }
  return "";  // there is one: this member's view lags
}

void NoDirectorAlarm::check() {
  if (stopped_ || !unknown_since_ || raised_) {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  const auto gap = now - *unknown_since_;
  const std::string why = noDirectorWhy();
  if (why.empty()) {
    etcd_agrees_since_.reset();
    arm(now + options_.recheck);
    return;
  }
  // Twice, a recheck apart: one read may fall into an ordinary hand-over (the key gone for
  // the milliseconds before the next campaign lands) while this member's own view lags.
  if (!etcd_agrees_since_) {
    etcd_agrees_since_ = now;
    arm(now + options_.recheck);
    return;
  }
  const std::string text = fmt::format(
      "no director for {} (member-ttl {}): {}; nothing is placed, no dead member's "
      "checks move and the director's cluster alerts wait until one is elected",
      gapText(gap), common::formatDuration(options_.member_ttl), why);
  if (!logged_) {
    logged_ = true;
    spdlog::warn("cluster: {}", text);
  }
  // One member raises it: the lowest id of the live ones (the others look again in a while,
  // in case it dies).
  auto live = store_->liveMemberIds();
  if (!enabled_ || !live || live->empty() || *live->begin() != options_.member_id) {
    arm(now + options_.recheck);
    return;
  }
  raised_ = true;
  spdlog::warn("cluster alarms: {}: {}", kAlarm, text);
  options_.alerts.adopt({kAlarm}, {});
  options_.alerts.transition(
      kAlarm, state::Transition{.from = state::CheckState::kOk,
                                .to = state::CheckState::kCritical,
                                .count = 1,
                                .result = stamped(checks::CheckResult::critical(text))});
}

}  // namespace ninevolt::cluster
