#include "cluster/director.h"

#include <utility>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/yaml_json.h"
#include "etcd/limits.h"

namespace ninevolt::cluster {
namespace {

constexpr auto kRetry = std::chrono::seconds(1);

CheckView checkView(const std::string& name, const nlohmann::json& v) {
  CheckView c{name, "", false};
  if (v.is_object()) {
    if (v.contains("member-tag") && v["member-tag"].is_string()) {
      c.member_tag = v["member-tag"].get<std::string>();
    }
    if (v.contains("disable") && v["disable"].is_boolean()) {
      c.disabled = v["disable"].get<bool>();
    }
  }
  return c;
}

std::optional<MemberView> memberView(const std::string& text) {
  auto j = common::parseJson(text);
  if (!j) {
    return std::nullopt;
  }
  auto m = store::MemberInfo::fromJson(*j);
  if (!m) {
    return std::nullopt;
  }
  return MemberView{m->id, m->tags};
}

}  // namespace

Director::Director(boost::asio::io_context& io, std::shared_ptr<store::Store> store,
                   Options options)
    : io_(io), store_(std::move(store)), options_(std::move(options)), debounce_timer_(io) {}

Director::~Director() {
  director_watch_.reset();
  members_watch_.reset();
  monitors_watch_.reset();
}

void Director::start(int64_t lease_id) {
  const bool moved = lease_id != lease_id_;
  lease_id_ = lease_id;
  stopped_ = false;
  if (is_director_ && moved) {
    // The member moved to a new lease (a new member-ttl): take the director key along with a
    // fenced put of the same value, so it does not expire with the old lease. The key keeps
    // its create_revision, so the fence still holds and nobody else notices. If the old
    // lease is gone already, the fence fails and this member steps down and campaigns.
    auto ok = writeFenced({etcd::TxnOp::put(store_->keys().director(), my_value_, lease_id_)});
    if (ok && *ok) {
      spdlog::info("director: director key moved to lease {:x}", lease_id_);
      return;
    }
  }
  if (is_director_) {
    stepDown("lease changed");
  }
  campaign();
}

void Director::campaign() {
  if (stopped_) {
    return;
  }
  const std::string key = store_->keys().director();
  my_value_ = nlohmann::json{{"id", options_.member_id}, {"since", common::nowRfc3339()}}.dump();
  auto res =
      store_->client().txn({etcd::Compare::createRevision(key, etcd::Compare::kEqual, 0)},
                           {etcd::TxnOp::put(key, my_value_, lease_id_)}, {etcd::TxnOp::get(key)});
  if (!res) {
    spdlog::warn("director: campaign failed: {} (retrying)", res.error().message);
    debounce_timer_.expires_after(kRetry);
    debounce_timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
      if (!ec) {
        campaign();
      }
    }));
    return;
  }
  if (!director_watch_) {
    etcd::Watcher::Options wo;
    wo.key = key;
    wo.prefix = false;
    wo.start_revision = res->revision + 1;
    wo.on_update = [this](const etcd::WatchUpdate& u) {
      lifetime_.post(io_, [this, u] { onDirectorKey(u); });
    };
    director_watch_ = std::make_unique<etcd::Watcher>(store_->sharedClient(), std::move(wo));
  }
  if (res->succeeded) {
    becomeDirector(res->revision);
    return;
  }
  if (!res->responses.empty() && !res->responses[0].kvs.empty()) {
    spdlog::info("director: {} is the director", res->responses[0].kvs[0].value);
    noteDirector(res->responses[0].kvs[0].value);
  }
}

void Director::onDirectorKey(const etcd::WatchUpdate& update) {
  if (stopped_) {
    return;
  }
  bool gone = false;
  bool taken_by_other = false;
  switch (update.kind) {
    case etcd::WatchUpdate::kEvents:
      for (const auto& ev : update.events) {
        if (ev.type == etcd::WatchEvent::kDelete) {
          gone = true;
          taken_by_other = false;
        } else {
          gone = false;
          taken_by_other = ev.kv.value != my_value_;
          noteDirector(ev.kv.value);
        }
      }
      break;
    case etcd::WatchUpdate::kResync:
      gone = update.snapshot.empty();
      taken_by_other = !gone && update.snapshot[0].value != my_value_;
      if (!gone) {
        noteDirector(update.snapshot[0].value);
      }
      break;
    default:
      return;  // disconnect/reconnect: the watch resumes without gaps
  }
  if (is_director_ && (gone || taken_by_other)) {
    stepDown(gone ? "director key vanished (lease lost)" : "another member took over");
  }
  if (gone) {
    campaign();
  }
}

void Director::becomeDirector(int64_t create_revision) {
  create_revision_ = create_revision;
  is_director_ = true;
  spdlog::info("director: member {} is now the director", options_.member_id);
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
  reportPreviousDirectorGone(previous);
  recompute();
}

void Director::stepDown(const std::string& why) {
  if (!is_director_) {
    return;
  }
  is_director_ = false;
  members_watch_.reset();
  monitors_watch_.reset();
  members_.clear();
  checks_.clear();
  stored_.clear();
  deleted_.clear();
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
  if (is_director_) {
    // Hand over at once instead of leaving the others to wait for the lease.
    (void)writeFenced({etcd::TxnOp::del(store_->keys().director())});
    stepDown("stopping");
  }
  director_watch_.reset();
}

bool Director::loadAll() {
  const auto& keys = store_->keys();
  auto res = store_->client().txn({}, {etcd::TxnOp::get(keys.membersPrefix(), true),
                                       etcd::TxnOp::get(keys.monitorPrefix(), true),
                                       etcd::TxnOp::get(keys.allAssignmentsPrefix(), true)});
  if (!res || res->responses.size() != 3) {
    spdlog::warn("director: cannot read the cluster: {}",
                 res ? "short txn response" : res.error().message);
    return false;
  }
  members_.clear();
  checks_.clear();
  stored_.clear();
  for (const auto& kv : res->responses[0].kvs) {
    if (auto m = memberView(kv.value)) {
      members_[m->id] = *m;
    }
  }
  for (const auto& kv : res->responses[1].kvs) {
    if (auto name = store::Keys::nameUnder(keys.monitorPrefix(), kv.key)) {
      auto j = common::parseJson(kv.value);
      checks_[*name] = checkView(*name, j ? *j : nlohmann::json());
    }
  }
  const std::string ap = keys.allAssignmentsPrefix();
  for (const auto& kv : res->responses[2].kvs) {
    std::string rest = kv.key.substr(ap.size());  // "<member>/<shard>"
    auto slash = rest.find('/');
    if (slash != std::string::npos) {
      stored_[rest.substr(0, slash)][rest.substr(slash + 1)] = kv.value;
    }
  }

  publishGauges();

  // State keys left by monitors deleted before this director (or while nobody was).
  deleted_.clear();
  if (!findStaleState(res->revision)) {
    return false;
  }

  // Follow changes from exactly the revision read.
  auto post = [this](std::function<void()> fn) { lifetime_.post(io_, std::move(fn)); };
  etcd::Watcher::Options mw;
  mw.key = keys.membersPrefix();
  mw.start_revision = res->revision + 1;
  mw.on_update = [this, post](const etcd::WatchUpdate& u) {
    post([this, u] {
      if (!is_director_) {
        return;
      }
      std::set<std::string> before;
      for (const auto& [id, m] : members_) {
        before.insert(id);
      }
      if (u.kind == etcd::WatchUpdate::kResync) {
        members_.clear();
        for (const auto& kv : u.snapshot) {
          if (auto m = memberView(kv.value)) {
            members_[m->id] = *m;
          }
        }
      }
      for (const auto& ev : u.events) {
        auto id = store::Keys::nameUnder(store_->keys().membersPrefix(), ev.kv.key);
        if (!id) {
          continue;
        }
        if (ev.type == etcd::WatchEvent::kDelete) {
          members_.erase(*id);
        } else if (auto m = memberView(ev.kv.value)) {
          members_[*id] = *m;
        }
      }
      reportMembers(before);
      publishGauges();
      scheduleRecompute();
    });
  };
  members_watch_ = std::make_unique<etcd::Watcher>(store_->sharedClient(), std::move(mw));
  monitors_watch_ = store_->watchConfigs(
      store::ConfigKind::kMonitor, res->revision + 1,
      [post, this](const store::ConfigWatchUpdate& u) { post([this, u] { onMonitors(u); }); });
  return true;
}

void Director::onMonitors(const store::ConfigWatchUpdate& u) {
  if (!is_director_) {
    return;
  }
  if (u.resync) {
    // History was compacted: deletes may have gone unseen. Whatever vanished since the last
    // listing is deleted; state keys of monitors gone longer are found by a keys-only read
    // at the snapshot's revision (if that fails, the difference still covers what this
    // director knew).
    for (const auto& [name, c] : checks_) {
      if (!u.snapshot.contains(name)) {
        deleted_.insert(name);
      }
    }
    checks_.clear();
    for (const auto& [name, c] : u.snapshot) {
      checks_[name] = checkView(name, c.value);
    }
    (void)findStaleState(u.revision);
  }
  for (const auto& ev : u.events) {
    if (ev.type == store::ConfigEvent::kDelete) {
      checks_.erase(ev.config.name);
      deleted_.insert(ev.config.name);
    } else {
      checks_[ev.config.name] = checkView(ev.config.name, ev.config.value);
    }
  }
  scheduleRecompute();
}

bool Director::findStaleState(int64_t revision) {
  const std::string prefix = store_->keys().statePrefix();
  auto res =
      store_->client().range(prefix, {.prefix = true, .revision = revision, .keys_only = true});
  if (!res) {
    spdlog::warn("director: cannot list {} at revision {}: {}", prefix, revision,
                 res.error().message);
    return false;
  }
  size_t found = 0;
  for (const auto& kv : res->kvs) {
    auto name = store::Keys::nameUnder(prefix, kv.key);
    if (name && !checks_.contains(*name) && deleted_.insert(*name).second) {
      found++;
    }
  }
  if (found > 0) {
    spdlog::info("director: {} state key(s) without a monitor; deleting them", found);
  }
  return true;
}

void Director::scheduleRecompute() {
  if (recompute_pending_ || !is_director_) {
    return;
  }
  recompute_pending_ = true;
  debounce_timer_.expires_after(options_.debounce);
  debounce_timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
    recompute_pending_ = false;
    if (!ec && is_director_) {
      if (members_watch_ == nullptr && !loadAll()) {
        scheduleRecompute();
        return;
      }
      recompute();
    }
  }));
}

void Director::recompute() {
  std::vector<MemberView> members;
  members.reserve(members_.size());
  for (const auto& [id, m] : members_) {
    members.push_back(m);
  }
  std::vector<CheckView> checks;
  checks.reserve(checks_.size());
  for (const auto& [name, c] : checks_) {
    checks.push_back(c);
  }
  Placement p = place(members, checks);

  // Desired shard texts.
  std::map<std::string, std::map<std::string, std::string>> desired;
  for (const auto& [member, names] : p.owned) {
    std::map<uint32_t, nlohmann::json> shards;
    for (const auto& n : names) {
      auto& arr = shards[shardOf(n)];
      if (arr.is_null()) {
        arr = nlohmann::json::array();
      }
      arr.push_back(n);
    }
    for (auto& [shard, arr] : shards) {
      desired[member][shardName(shard)] = arr.dump();
    }
  }
  // Diff against what etcd holds.
  std::vector<etcd::TxnOp> ops;
  const auto& keys = store_->keys();
  for (const auto& [member, shards] : desired) {
    for (const auto& [shard, text] : shards) {
      auto m = stored_.find(member);
      if (m == stored_.end() || !m->second.contains(shard) || m->second.at(shard) != text) {
        ops.push_back(etcd::TxnOp::put(keys.assignmentShard(member, shard), text));
      }
    }
  }
  for (const auto& [member, shards] : stored_) {
    for (const auto& [shard, text] : shards) {
      auto d = desired.find(member);
      if (d == desired.end() || !d->second.contains(shard)) {
        ops.push_back(etcd::TxnOp::del(keys.assignmentShard(member, shard)));
      }
    }
  }
  const size_t shard_ops = ops.size();
  for (const auto& name : deleted_) {
    if (!checks_.contains(name)) {  // not created again meanwhile
      ops.push_back(etcd::TxnOp::del(keys.state(name)));
    }
  }
  // Batches within etcd's request limits, by count and by bytes: 120 shards of a member
  // with 760,000 checks were 15 MB, and etcd refused the txn.
  for (auto span : etcd::splitIntoRequests(ops)) {
    std::vector<etcd::TxnOp> batch(span.begin(), span.end());
    if (options_.before_write) {
      options_.before_write();
    }
    auto ok = writeFenced(batch);
    if (!ok) {
      spdlog::warn("director: writing assignments failed: {} (retrying)", ok.error().message);
      if (is_director_) {
        members_watch_.reset();  // re-read everything on the retry
        monitors_watch_.reset();
        scheduleRecompute();
      }
      return;
    }
    if (!*ok) {
      return;  // fenced out: stepped down
    }
  }
  if (!ops.empty()) {
    placements_++;
    size_t total = 0;
    for (const auto& [m, names] : p.owned) {
      total += names.size();
    }
    spdlog::info(
        "director: placed {} check(s) on {} member(s), {} shard write(s), {} orphan(s), {} "
        "state key(s) of removed checks deleted",
        total, p.owned.size(), shard_ops, p.orphans.size(), ops.size() - shard_ops);
  }
  stored_ = std::move(desired);
  deleted_.clear();
  reportOrphans(p);
  if (options_.on_orphans) {
    options_.on_orphans(p.orphans);
  }
}

Result<bool> Director::writeFenced(const std::vector<etcd::TxnOp>& ops) {
  const std::string key = store_->keys().director();
  auto res = store_->client().txn(
      {etcd::Compare::createRevision(key, etcd::Compare::kEqual, create_revision_),
       etcd::Compare::value(key, etcd::Compare::kEqual, my_value_)},
      ops);
  if (!res) {
    return tl::unexpected(res.error());
  }
  if (!res->succeeded) {
    stepDown("fenced out: the director key is no longer ours");
    return false;
  }
  return true;
}

}  // namespace ninevolt::cluster
