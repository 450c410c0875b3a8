// Director: the election (campaign, the director key's watch, fencing, takeover of a key
// that is no director's). Placement is in director.cc.
#include <algorithm>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cluster/director.h"
#include "common/clock.h"
#include "common/memory.h"
#include "common/yaml_json.h"

namespace ninevolt::cluster {
namespace {

constexpr auto kRetry = std::chrono::seconds(1);
// Member ids are 8 hex digits; anything much longer in the director key is not a member's.
constexpr size_t kMaxShown = 64;  // bytes of a bad value quoted in logs and events

// A value from etcd, for a log line or an event: at most kMaxShown bytes, anything but
// printable ASCII as \xNN (the value may be any bytes at all).
std::string shown(std::string_view value) {
  std::string out;
  for (size_t i = 0; i < value.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  if (value.size() > kMaxShown) {
    out += fmt::format("... ({} bytes)", value.size());
  }
  return out;
}

std::chrono::milliseconds since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now()
                                                               - t);
}

}  // namespace

std::optional<std::string> directorIdOf(std::string_view value) {
  auto record = store::decodeDirector(value);
  return record ? std::optional<std::string>(std::move(record->id)) : std::nullopt;
}

void Director::start(int64_t lease_id) {
  const bool moved = lease_id != lease_id_;
  lease_id_ = lease_id;
  stopped_ = false;
  campaign_timer_.cancel();  // a retry still pending would campaign with the old lease
  if (is_director_ && !moved) {
    return;
  }
  if (is_director_) {
    // The member moved to a new lease (a new member-ttl): take the director key along with a
    // fenced put of the same value, so it does not expire with the old lease. The key keeps
    // its create_revision, so the fence still holds and nobody else notices. If the old
    // lease is gone already, the fence fails and this member steps down and campaigns.
    store::DirectorWrites move(store_->keys());
    move.putDirectorKey(my_value_, lease_id_);
    auto ok = writeFenced(move);
    if (ok && *ok) {
      spdlog::info("director: director key moved to lease {:x}", lease_id_);
      return;
    }
    stepDown("lease changed");
  }
  campaign();
}

void Director::leaseLost() {
  lease_id_ = 0;
  campaign_timer_.cancel();
  takeover_timer_.cancel();
  stepDown("this member's lease is lost (campaigning again once registered)");
}

void Director::campaign() {
  if (stopped_ || is_director_ || lease_id_ == 0) {
    return;
  }
  // Only a won (or adopted) value becomes my_value_: a campaign that loses must not change
  // what the fence compares, or a director campaigning by mistake would fence itself out.
  std::string candidate = store::directorText({options_.member_id, common::nowRfc3339()});
  auto res = store_->campaignForDirector(candidate, lease_id_);
  if (!res) {
    if (res.error().code == Errc::kNotFound) {
      // A stale lease: the membership re-registers and start() brings the new one; until
      // then keep trying (cheap), in case the keeper has not noticed yet.
      noteCampaignFailure(fmt::format("lease {:x} is gone ({})", lease_id_, res.error().message));
    } else {
      noteCampaignFailure(res.error().message);
    }
    retryCampaign();
    return;
  }
  if (campaign_failures_ > 0) {
    spdlog::info("director: campaign answered again after {} failure(s)", campaign_failures_);
    campaign_failures_ = 0;
    campaign_error_.clear();
  }
  watchDirectorKey(res->revision + 1);
  if (res->won) {
    my_value_ = std::move(candidate);
    key_revision_ = std::max(key_revision_, res->revision);
    becomeDirector(res->revision);
    return;
  }
  if (!res->holder) {
    retryCampaign();  // cannot be (the txn is atomic); read again rather than stop
    return;
  }
  onKeyPresent(*res->holder);
}

void Director::noteCampaignFailure(const std::string& why) {
  // Once per second while it lasts: the same reason is logged again once a minute, a new
  // one at once (a cluster whose every campaign fails would otherwise log a line a second
  // per member; 9volt.no-director tells the cluster alerter).
  ++campaign_failures_;
  const auto now = std::chrono::steady_clock::now();
  if (why != campaign_error_ || now - campaign_warned_at_ >= std::chrono::minutes(1)) {
    spdlog::warn(
        "director: campaign failed: {} (retrying every second{})", why,
        campaign_failures_ > 1 ? fmt::format("; {} failures so far", campaign_failures_) : "");
    campaign_error_ = why;
    campaign_warned_at_ = now;
  } else {
    spdlog::debug("director: campaign failed: {}", why);
  }
}

void Director::campaignSoon() {
  campaign_timer_.expires_after(std::chrono::milliseconds(0));
  campaign_timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
    if (!ec) {
      campaign();
    }
  }));
}

void Director::retryCampaign() {
  campaign_timer_.expires_after(kRetry);
  campaign_timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
    if (!ec) {
      campaign();
    }
  }));
}

void Director::watchDirectorKey(int64_t from_revision) {
  if (director_watch_) {
    return;
  }
  director_watch_ = store_->watchDirectorKey(from_revision, [this](const etcd::WatchUpdate& u) {
    lifetime_.post(io_, [this, u] { onDirectorKey(u); });
  });
}

void Director::onDirectorKey(const etcd::WatchUpdate& update) {
  if (stopped_) {
    return;
  }
  switch (update.kind) {
    case etcd::WatchUpdate::kEvents: {
      if (update.events.empty()) {
        return;
      }
      // Only where the key ended up matters; and only if it is newer than what this member
      // already read (its own campaign or move may be ahead of the watch).
      const auto& last = update.events.back();
      if (last.kv.mod_revision <= key_revision_) {
        return;
      }
      key_revision_ = last.kv.mod_revision;
      if (last.type == etcd::WatchEvent::kDelete) {
        onKeyGone();
      } else {
        onKeyPresent(last.kv);
      }
      return;
    }
    case etcd::WatchUpdate::kResync:
      if (update.revision < key_revision_) {
        return;
      }
      key_revision_ = update.revision;
      if (update.snapshot.empty()) {
        onKeyGone();
      } else {
        onKeyPresent(update.snapshot[0]);
      }
      return;
    default:
      return;  // disconnect/reconnect: the watch resumes without gaps
  }
}

void Director::onKeyGone() {
  reportKnown();
  clearTakeover();
  followed_.clear();
  if (is_director_) {
    stepDown("director key vanished (lease lost)");
  }
  campaign();
}

bool Director::isOurs(const etcd::KeyValue& kv, const std::optional<std::string>& id) const {
  // The value we wrote, or our id on our current lease: nobody else writes with our lease,
  // and a campaign whose answer was lost leaves exactly that.
  return (!my_value_.empty() && kv.value == my_value_)
         || (lease_id_ != 0 && kv.lease == lease_id_ && id == options_.member_id);
}

void Director::onKeyPresent(const etcd::KeyValue& kv) {
  reportKnown();
  key_revision_ = std::max(key_revision_, kv.mod_revision);
  const auto id = directorIdOf(kv.value);
  if (isOurs(kv, id)) {
    clearTakeover();
    followed_.clear();
    if (lease_id_ == 0) {
      return;  // lease lost: start() decides with the next one
    }
    if (kv.lease != lease_id_) {
      if (!moveKeyToLease(kv)) {
        campaignSoon();  // it changed meanwhile: read it again
      }
      return;
    }
    if (is_director_ && (kv.create_revision != create_revision_ || kv.value != my_value_)) {
      stepDown("director key rewritten");  // the fence would refuse: take it up afresh
    }
    if (!is_director_) {
      my_value_ = kv.value;
      spdlog::info("director: the director key is this member's (on its lease {:x})", lease_id_);
      becomeDirector(kv.create_revision);
    }
    return;
  }
  std::string why = !id             ? "not a director record ({\"id\": ...})"
                    : kv.lease == 0 ? "on no lease"
                                    : impostor(kv, *id);
  if (why.empty()) {
    // Another member's: follow it; it goes with its lease.
    clearTakeover();
    if (is_director_) {
      stepDown("another member took over");
    }
    noteDirector(kv.value);
    if (followed_ != kv.value) {
      followed_ = kv.value;
      spdlog::info("director: {} is the director", shown(kv.value));
    }
    return;
  }
  followed_.clear();
  if (is_director_) {
    stepDown("the director key was overwritten");
  }
  armTakeover(kv, why);
}

std::string Director::impostor(const etcd::KeyValue& kv, const std::string& id) const {
  if (kv.value == followed_ && !invalid_since_) {
    return "";  // checked when it was first seen
  }
  auto lease = store_->memberLease(id);
  if (!lease) {
    return "";
  }
  if (!*lease) {
    return fmt::format("naming '{}', which is no registered member", shown(id));
  }
  if (**lease != kv.lease) {
    // A member that moved to a new lease (member-ttl change) moves the key right after;
    // the takeover grace covers that moment, and takeOver() asks again.
    return fmt::format("naming member '{}' on lease {:x}, which is not that member's ({:x})",
                       shown(id), kv.lease, **lease);
  }
  return "";
}

bool Director::moveKeyToLease(const etcd::KeyValue& kv) {
  auto res = store_->moveDirectorKey(kv, lease_id_);
  if (!res) {
    spdlog::warn("director: cannot move the director key to lease {:x}: {} (retrying)", lease_id_,
                 res.error().message);
    retryCampaign();
    return true;  // the retry reads it again
  }
  if (!*res) {
    return false;
  }
  key_revision_ = std::max(key_revision_, **res);
  spdlog::info("director: director key (this member's, lease {:x}) moved to lease {:x}", kv.lease,
               lease_id_);
  if (is_director_ && create_revision_ == kv.create_revision) {
    return true;
  }
  stepDown("director key moved");
  my_value_ = kv.value;
  becomeDirector(kv.create_revision);
  return true;
}

void Director::armTakeover(const etcd::KeyValue& kv, const std::string& why) {
  if (!invalid_since_) {
    invalid_since_ = std::chrono::steady_clock::now();
    invalid_why_ = why;
    spdlog::warn(
        "director: {} holds '{}', {}: no member can be elected while it is there; deleting it "
        "in {}ms unless a director's record replaces it",
        store_->keys().director(), shown(kv.value), why, options_.takeover_after.count());
  }
  // The deadline counts from when the key was first seen bad: one rewritten over and over
  // with garbage does not keep the election away.
  takeover_timer_.expires_at(*invalid_since_ + options_.takeover_after);
  takeover_timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
    if (!ec) {
      takeOver();
    }
  }));
}

void Director::clearTakeover() {
  invalid_since_.reset();
  invalid_why_.clear();
  takeover_timer_.cancel();
}

void Director::takeOver() {
  if (stopped_ || is_director_ || lease_id_ == 0) {
    return;
  }
  const std::string key = store_->keys().director();
  auto read = store_->readDirectorKey();
  if (!read) {
    spdlog::warn("director: cannot read {}: {} (retrying)", key, read.error().message);
    takeover_timer_.expires_after(kRetry);
    takeover_timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
      if (!ec) {
        takeOver();
      }
    }));
    return;
  }
  if (!read->kv) {
    onKeyGone();
    return;
  }
  const etcd::KeyValue kv = *read->kv;
  const auto id = directorIdOf(kv.value);
  const std::string why = !id             ? "not a director record"
                          : kv.lease == 0 ? "on no lease"
                                          : impostor(kv, *id);
  if (isOurs(kv, id) || why.empty()) {
    onKeyPresent(kv);  // a director's record by now
    return;
  }
  // Deleted only if it is still exactly what was read: a director that campaigned meanwhile
  // is not deleted.
  auto res = store_->deleteDirectorKeyAt(kv.mod_revision);
  if (!res) {
    spdlog::warn("director: cannot delete {}: {} (retrying)", key, res.error().message);
    takeover_timer_.expires_after(kRetry);
    takeover_timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
      if (!ec) {
        takeOver();
      }
    }));
    return;
  }
  if (*res) {
    key_revision_ = std::max(key_revision_, **res);
    const auto held = invalid_since_ ? since(*invalid_since_) : options_.takeover_after;
    auto message = fmt::format(
        "{} held '{}' ({}) for {}ms, which is no director's record: deleted it so that a "
        "director can be elected",
        key, shown(kv.value), why, held.count());
    spdlog::warn("director: {}", message);
    emit(store::kEventWarning, store::event_kind::kDirectorChanged, std::move(message));
  }
  clearTakeover();
  campaign();  // deleted by us or by another member meanwhile: either way, campaign now
}

void Director::becomeDirector(int64_t create_revision) {
  create_revision_ = create_revision;
  is_director_ = true;
  cold_wait_logged_ = false;
  clearTakeover();
  followed_.clear();
  spdlog::info("director: member {} is now the director", options_.member_id);
  reportKnown();
  orphans_.clear();
  publishGauges();
  std::string previous = std::exchange(last_director_, options_.member_id);
  emit(store::kEventInfo, store::event_kind::kDirectorChanged,
       previous.empty() || previous == options_.member_id
           ? fmt::format("member {} is now the director", options_.member_id)
           : fmt::format("member {} is now the director, after {}", options_.member_id, previous),
       {}, options_.member_id);
  if (options_.on_change) {
    options_.on_change(true);
  }
  if (!loadAll()) {
    scheduleRecompute();
    return;
  }
  common::releaseFreedMemory();  // the whole prefixes just read
  reportPreviousDirectorGone(previous);
  if (options_.on_member_degraded) {
    for (const auto& [id, m] : members_) {
      if (m.degraded) {
        options_.on_member_degraded(m);  // degraded before this member directed
      }
    }
  }
  recompute();
}

void Director::stepDown(const std::string& why) {
  if (!is_director_) {
    return;
  }
  is_director_ = false;
  reportKnown();
  members_watch_.reset();
  assignments_watch_.reset();
  monitors_watch_.reset();
  members_.clear();
  clearChecks();
  stored_.clear();
  deleted_.clear();
  relocated_.clear();
  orphans_.clear();
  publishGauges();
  spdlog::info("director: member {} is no longer the director: {}", options_.member_id, why);
  if (options_.on_change) {
    options_.on_change(false);
  }
}

void Director::stop() {
  stopped_ = true;
  debounce_timer_.cancel();
  campaign_timer_.cancel();
  takeover_timer_.cancel();
  if (is_director_) {
    // Hand over at once instead of leaving the others to wait for the lease.
    store::DirectorWrites handOver(store_->keys());
    handOver.deleteDirectorKey();
    (void)writeFenced(handOver);
    stepDown("stopping");
  }
  director_watch_.reset();
}

void Director::reportKnown() {
  if (known_report_posted_ || !options_.on_known) {
    return;
  }
  known_report_posted_ = true;
  lifetime_.post(io_, [this] {
    known_report_posted_ = false;
    const std::pair<bool, bool> now{is_director_ || !followed_.empty(), is_director_};
    if (stopped_ || known_reported_ == now) {
      return;
    }
    known_reported_ = now;
    options_.on_known(now.first, now.second);
  });
}

std::optional<store::DirectorFence> Director::fence() const {
  return is_director_ ? std::optional(ourFence()) : std::nullopt;
}

Result<bool> Director::writeFenced(const store::DirectorWrites& writes,
                                   const std::function<void()>& before_each) {
  auto res = store_->writeAsDirector(ourFence(), writes, before_each);
  if (!res) {
    return tl::unexpected(res.error());
  }
  if (!*res) {
    stepDown("fenced out: the director key is no longer ours (campaigning again)");
    // Never a dead end: the key may be gone, another's, garbage, or ours after all (written
    // again on our lease); the campaign finds out which and acts on it.
    campaignSoon();
    return false;
  }
  return true;
}

}  // namespace ninevolt::cluster
