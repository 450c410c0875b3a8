#include "cluster/no_director.h"

#include <algorithm>

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
    // The director clears it (ClusterAlarms); what this member still has queued for it is
    // the director's to send from now on. The director itself keeps its own work: its
    // ClusterAlarms adopts the incident here, on this dispatcher.
    if (self) {
      raised_ = false;
    } else {
      letGo("a director is known");
    }
  }
}

void NoDirectorAlarm::setMemberTtl(std::chrono::milliseconds ttl) {
  options_.member_ttl = ttl;
  if (unknown_since_ && !raised_) {
    arm(std::max(*unknown_since_ + options_.member_ttl + options_.grace,
                 std::chrono::steady_clock::now()));
  }
}

void NoDirectorAlarm::stop() {
  stopped_ = true;
  timer_.cancel();
}

std::string NoDirectorAlarm::noDirectorWhy(const std::set<std::string>& live) {
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
  if (read->kv->lease == 0 || !live.contains(*id)) {
    return "the director key names a member that is not registered";
  }
  // As the election judges it (Director::impostor): the member's record on the key's lease.
  auto lease = store_->memberLease(*id);
  if (lease && *lease && **lease != read->kv->lease) {
    return "the director key names a member on a lease that is not that member's";
  }
  return "";  // there is one (or etcd cannot tell): this member's view lags
}

void NoDirectorAlarm::leaseLost() {
  // The dispatcher let go of every check with the lease: raised again (adopted first) by
  // whoever is the lowest member once this one is registered again.
  raised_ = false;
}

void NoDirectorAlarm::letGo(const std::string& why) {
  raised_ = false;
  spdlog::info("cluster alarms: {}: {}; letting it go", kAlarm, why);
  options_.alerts.release(kAlarm);
}

void NoDirectorAlarm::check() {
  if (stopped_ || !unknown_since_) {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  const auto due = *unknown_since_ + options_.member_ttl + options_.grace;
  if (now < due) {
    arm(due);  // a timer left from an earlier gap, or a shorter member-ttl now
    return;
  }
  arm(now + options_.recheck);  // while it lasts, raised or not
  auto live = store_->liveMemberIds();
  if (!live) {
    return;  // etcd cannot tell: nothing is decided without it
  }
  const bool lowest = !live->empty() && *live->begin() == options_.member_id;
  if (raised_) {
    // Still this member's to keep? A lower id may have joined meanwhile (it raises it too).
    if (!lowest) {
      letGo("a member with a lower id is here to keep it");
    }
    return;
  }
  const std::string why = noDirectorWhy(*live);
  if (why.empty()) {
    etcd_agrees_since_.reset();
    return;
  }
  // Twice, a recheck apart: one read may fall into an ordinary hand-over (the key gone for
  // the milliseconds before the next campaign lands) while this member's own view lags.
  if (!etcd_agrees_since_) {
    etcd_agrees_since_ = now;
    return;
  }
  if (now - *etcd_agrees_since_ < options_.recheck) {
    return;
  }
  const std::string text = fmt::format(
      "no director for {} (member-ttl {}): {}; nothing is placed, no dead member's "
      "checks move and the director's cluster alerts wait until one is elected",
      gapText(now - *unknown_since_), common::formatDuration(options_.member_ttl), why);
  if (!logged_) {
    logged_ = true;
    spdlog::warn("cluster: {}", text);
  }
  // One member raises it: the lowest id of the live ones (the others look again in a while,
  // in case it dies).
  if (!enabled_ || !lowest) {
    return;
  }
  raised_ = true;
  spdlog::warn("cluster alarms: {}: {}", kAlarm, text);
  options_.alerts.adopt({kAlarm}, {});
  options_.alerts.raise(kAlarm, text);
}

}  // namespace ninevolt::cluster
