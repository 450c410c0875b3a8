#include "cluster/director.h"

#include <algorithm>
#include <array>
#include <utility>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/memory.h"
#include "common/printable.h"
#include "common/yaml_json.h"
#include "config/locations.h"
#include "config/spec.h"
#include "etcd/limits.h"
#include "store/assignment_shard.h"
#include "store/untrusted.h"

namespace ninevolt::cluster {
namespace {

// A member record, or nullopt when it is not one (reported once per key and revision): a
// record that does not decode is no member, so no check is placed on it.
std::optional<MemberView> memberView(store::Store& store, const etcd::KeyValue& kv) {
  auto m = store::decodeMember(store.keys().membersPrefix(), kv);
  if (!m) {
    store.rejections().reject(kv, "member record: " + m.error().message);
    return std::nullopt;
  }
  return MemberView{m->id, m->tags, m->location, m->leaving, m->degraded};
}

// One stored assignment shard ("<member>/<shard>" under the assignments prefix) as the
// director reads it to diff against: anything it did not write itself (a member id or shard
// name it would not use, a value that is not a list of check names) is reported; it stays in
// the diff, so the next placement deletes or rewrites it.
void checkShard(store::Store& store, const etcd::KeyValue& kv, const std::string& member,
                const std::string& shard) {
  std::string why;
  if (auto problem = store::nameProblem(member); !problem.empty()) {
    why = "member id: " + problem;
  } else if (!store::validAssignmentShardName(shard)) {
    why = "not an assignment shard name (00..3f)";
  } else if (auto names = store::decodeAssignmentShard(kv.value); !names) {
    why = names.error().message;
  }
  if (!why.empty()) {
    store.rejections().reject(kv, "assignment shard: " + why + " (the director replaces it)");
  }
}

}  // namespace

Director::Director(boost::asio::io_context& io, std::shared_ptr<store::Store> store,
                   Options options)
    : io_(io),
      store_(std::move(store)),
      options_(std::move(options)),
      debounce_timer_(io),
      campaign_timer_(io),
      takeover_timer_(io) {}

Director::~Director() {
  director_watch_.reset();
  members_watch_.reset();
  monitors_watch_.reset();
  assignments_watch_.reset();
}

bool Director::loadAll() {
  // Members and shards in one txn (small); the monitors then in pages at that txn's
  // revision, each page reduced to the view before the next is read: one response holding
  // every monitor of a 100,000-check cluster was ~25 MB, and its copy as much again.
  auto res = store_->readCluster();
  if (!res) {
    spdlog::warn("director: cannot read the cluster: {}", res.error().message);
    return false;
  }
  members_.clear();
  clearChecks();
  stored_.clear();
  for (const auto& kv : res->members) {
    if (auto m = memberView(*store_, kv)) {
      members_[m->id] = *m;
    }
  }
  for (const auto& kv : res->shards) {
    noteStoredShard(kv);
  }
  if (!readMonitors(res->revision)) {
    return false;
  }
  // Counted from the end of the reads: reading a million monitors takes seconds, and the
  // members that registered meanwhile are in the watch's first events, not in members_ yet.
  loaded_at_ = std::chrono::steady_clock::now();
  last_join_ = loaded_at_;
  publishGauges();

  // State keys left by monitors deleted before this director (or while nobody was).
  deleted_.clear();
  if (!findStaleState(res->revision)) {
    return false;
  }
  reportBadIncidentKeys(res->revision);

  // Follow changes from exactly the revision read.
  auto post = [this](std::function<void()> fn) { lifetime_.post(io_, std::move(fn)); };
  members_watch_ =
      store_->watchMembers(res->revision + 1, [this, post](const etcd::WatchUpdate& u) {
        post([this, u] {
          if (!is_director_) {
            return;
          }
          std::set<std::string> before;
          for (const auto& [id, m] : members_) {
            before.insert(id);
          }
          const auto was = members_;
          std::set<std::string> said_leaving;
          if (u.kind == etcd::WatchUpdate::kResync) {
            members_.clear();
            for (const auto& kv : u.snapshot) {
              if (auto m = memberView(*store_, kv)) {
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
            } else if (auto m = memberView(*store_, ev.kv)) {
              if (m->leaving) {
                said_leaving.insert(*id);  // its delete may come in this very update
              }
              members_[*id] = *m;
            } else {
              members_.erase(*id);  // a member record replaced by garbage is no member any more
            }
          }
          for (const auto& [id, m] : members_) {
            if (!before.contains(id)) {
              last_join_ = std::chrono::steady_clock::now();
              if (options_.on_member_joined) {
                options_.on_member_joined(m);
              }
            }
          }
          for (const auto& [id, m] : was) {
            if (!members_.contains(id) && !m.leaving && !said_leaving.contains(id)
                && options_.on_member_lost) {
              options_.on_member_lost(m);  // went without saying so: its lease expired
            }
          }
          if (options_.on_member_degraded) {
            for (const auto& [id, m] : members_) {
              auto w = was.find(id);
              if (m.degraded != (w != was.end() && w->second.degraded)) {
                options_.on_member_degraded(m);
              }
            }
            for (const auto& [id, m] : was) {
              if (m.degraded && !members_.contains(id)) {
                MemberView gone = m;
                gone.degraded = false;  // gone: the condition ends with it
                options_.on_member_degraded(gone);
              }
            }
          }
          reportMembers(before);
          publishGauges();
          scheduleRecompute();
        });
      });
  assignments_watch_ = store_->watchAllAssignments(
      res->revision + 1,
      [this, post](const etcd::WatchUpdate& u) { post([this, u] { onAssignments(u); }); });
  monitors_watch_ = store_->watchConfigs(
      store::ConfigKind::kMonitor, res->revision + 1,
      [post, this](const store::ConfigWatchUpdate& u) { post([this, u] { onMonitors(u); }); });
  return true;
}

bool Director::readMonitors(int64_t revision) {
  const std::string prefix = store_->keys().monitorPrefix();
  auto read = store_->forEachRecordPage(
      store::RecordKind::kMonitor, std::max<int64_t>(1, options_.monitor_page), revision,
      [&](std::vector<etcd::KeyValue>& page) {
        for (const auto& kv : page) {
          // A key whose name is not a valid monitor name is never placed (its
          // value is judged by the owner's manager, which reports a bad one and
          // keeps the last good spec running).
          auto name = store::nameFromKey(prefix, kv.key);
          if (!name) {
            store_->rejections().reject(kv, "monitor " + name.error().message);
            continue;
          }
          auto j = store::decodeJson(kv.value);
          putCheck(*name, j ? *j : nlohmann::json());
        }
      });
  if (!read) {
    spdlog::warn("director: cannot read {} at revision {}: {}", prefix, revision,
                 read.error().message);
    return false;
  }
  return true;
}

bool Director::noteStoredShard(const etcd::KeyValue& kv) {
  const std::string ap = store_->keys().allAssignmentsPrefix();
  std::string rest = kv.key.substr(ap.size());  // "<member>/<shard>"
  auto slash = rest.find('/');
  if (slash == std::string::npos) {
    store_->rejections().reject(kv, "not an assignment shard (<member>/<shard>)");
    return false;
  }
  std::string member = rest.substr(0, slash);
  std::string shard = rest.substr(slash + 1);
  checkShard(*store_, kv, member, shard);
  stored_[member][shard] = digestOf(kv.value);
  return true;
}

Director::ShardDigest Director::digestOf(std::string_view text) {
  return {text.size(), std::hash<std::string_view>()(text), nameHash(text)};
}

void Director::putCheck(const std::string& name, const nlohmann::json& monitor) {
  auto placement = config::placementOf(monitor);
  // The class's identity as one string: names hold no '\n' nor ','.
  std::string id = placement.member_tag;
  if (placement.locations.any()) {
    id += placement.locations.all ? "\n*" : "\n";
    for (const auto& l : placement.locations.names) {
      id += l + ",";
    }
  }
  auto [it, added] = class_ids_.try_emplace(id, static_cast<uint32_t>(classes_.size()));
  if (added) {
    classes_.push_back({placement.member_tag, std::move(placement.locations)});
  }
  checks_.put(name, CheckTable::Entry{it->second, placement.disabled});
}

void Director::clearChecks() {
  checks_.clear();
  classes_.assign(1, PlacementClass{});
  class_ids_ = {{"", 0}};
}

const std::string& Director::tagOf(const std::string& name) const {
  auto c = checks_.find(store::Keys::monitorNameOf(name));
  return c ? classes_[c->tag].member_tag : classes_.front().member_tag;
}

void Director::placeReplicas(std::string_view name, const PlacementClass& pc,
                             const LocatedPlacer& located,
                             const std::function<void(int, std::string_view)>& assign,
                             std::vector<std::string>& orphans) const {
  // The judge goes with one of the placed replicas: the one whose location has the highest
  // rendezvous weight for this check, so judges spread over the locations (not all on the
  // first one's members) and one moves only when its own location goes.
  int judge = Placer::kOrphan;
  uint64_t judge_weight = 0;
  const uint64_t h = nameHash(name);
  auto one = [&](std::string_view location, bool orphan_if_none) {
    const std::string replica = config::replicaName(name, location);
    const int owner = located.owner(location, replica, pc.member_tag);
    if (owner < 0) {
      if (orphan_if_none) {
        orphans.push_back(replica);
      }
      return;
    }
    assign(owner, replica);
    const uint64_t w = rendezvousWeight(h, nameHash(location));
    if (judge < 0 || w > judge_weight) {
      judge = owner;
      judge_weight = w;
    }
  };
  if (pc.locations.all) {
    for (const auto& location : located.locations()) {
      one(location, false);
    }
  } else {
    for (const auto& location : pc.locations.names) {
      one(location, true);
    }
  }
  if (judge >= 0) {
    assign(judge, name);
  } else {
    orphans.emplace_back(name);
  }
}

std::string Director::ownerNow(const std::string& entry, const std::vector<MemberView>& members,
                               const Placer& placer, const LocatedPlacer& located) const {
  auto c = checks_.find(store::Keys::monitorNameOf(entry));
  if (!c) {
    return {};
  }
  const PlacementClass& pc = classes_[c->tag];
  int owner = Placer::kOrphan;
  if (auto replica = config::splitReplica(entry)) {
    owner = located.owner(replica->location, entry, pc.member_tag);
  } else if (!pc.locations.any()) {
    owner = placer.owner(entry, pc.member_tag, c->disabled);
  }
  return owner >= 0 ? members[static_cast<size_t>(owner)].id : std::string();
}

void Director::onAssignments(const etcd::WatchUpdate& u) {
  if (!is_director_) {
    return;
  }
  const std::string ap = store_->keys().allAssignmentsPrefix();
  bool changed = false;
  if (u.kind == etcd::WatchUpdate::kResync) {
    stored_.clear();
    for (const auto& kv : u.snapshot) {
      noteStoredShard(kv);
    }
    changed = true;
  }
  for (const auto& ev : u.events) {
    std::string rest = ev.kv.key.substr(ap.size());
    auto slash = rest.find('/');
    if (ev.type == etcd::WatchEvent::kDelete) {
      if (slash == std::string::npos) {
        continue;
      }
      auto m = stored_.find(rest.substr(0, slash));
      if (m != stored_.end() && m->second.erase(rest.substr(slash + 1)) > 0) {
        if (m->second.empty()) {
          stored_.erase(m);
        }
        changed = true;  // a shard deleted by someone else
      }
      continue;
    }
    if (slash != std::string::npos) {
      auto m = stored_.find(rest.substr(0, slash));
      if (m != stored_.end()) {
        auto s = m->second.find(rest.substr(slash + 1));
        if (s != m->second.end() && s->second == digestOf(ev.kv.value)) {
          continue;  // this director's own write
        }
      }
    }
    changed = noteStoredShard(ev.kv) || changed;
  }
  if (changed) {
    scheduleRecompute();
  }
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
    checks_.forEach([&](std::string_view name, CheckTable::Entry) {
      if (!u.snapshot.contains(std::string(name))) {
        deleted_.insert(std::string(name));
      }
    });
    clearChecks();
    for (const auto& [name, c] : u.snapshot) {
      putCheck(name, c.value);
    }
    (void)findStaleState(u.revision);
  }
  for (const auto& ev : u.events) {
    if (ev.type == store::ConfigEvent::kDelete) {
      checks_.erase(ev.config.name);
      deleted_.insert(ev.config.name);
      continue;
    }
    const auto before = checks_.find(ev.config.name);
    putCheck(ev.config.name, ev.config.value);
    if (before
        && dropsLocations(classes_[before->tag].locations,
                          classes_[checks_.find(ev.config.name)->tag].locations)) {
      relocated_.insert(ev.config.name);  // the states of locations it dropped go
    }
  }
  scheduleRecompute();
}

bool Director::dropsLocations(const config::LocationList& before,
                              const config::LocationList& after) {
  if (!before.any() || after.all) {
    return false;
  }
  if (before.all) {
    return true;  // which locations `all` had is not known here: dropReplicaStates reads them
  }
  return std::any_of(before.names.begin(), before.names.end(),
                     [&](const std::string& l) { return !after.includes(l); });
}

bool Director::dropReplicaStates(store::DirectorWrites& writes) {
  std::vector<std::string> checks;
  for (const auto& name : relocated_) {
    if (checks_.contains(name)) {  // else deleted_ takes all of its replicas' states
      checks.push_back(name);
    }
  }
  if (checks.empty()) {
    return true;
  }
  auto states = store_->readReplicaStates(checks);
  if (!states) {
    spdlog::warn(
        "director: cannot read the replica states of {} check(s) whose locations "
        "changed: {} (retrying with the next placement)",
        checks.size(), states.error().message);
    scheduleRecompute();
    return false;
  }
  const std::string prefix = store_->keys().locationStatePrefix();
  for (size_t i = 0; i < checks.size(); ++i) {
    const auto& list = classes_[checks_.find(checks[i])->tag].locations;
    for (const auto& kv : (*states)[i]) {
      const auto replica = config::splitReplica(std::string_view(kv.key).substr(prefix.size()));
      if (!replica || list.includes(replica->location)) {
        continue;
      }
      // A location dropped from the list: its old state would count again (written by a
      // member that may still live there) if the location came back.
      writes.deleteReplicaState(kv.key.substr(prefix.size()));
    }
  }
  return true;
}

bool Director::findStaleState(int64_t revision) {
  // State and push keys: both are deleted with their monitor (see recompute()).
  size_t found = 0;
  for (const auto kind :
       {store::RecordKind::kState, store::RecordKind::kPush, store::RecordKind::kLocationState}) {
    const std::string prefix = store_->prefixOf(kind);
    const char* what = store::recordKindName(kind);
    auto res = store_->listRecordKeys(kind, revision);
    if (!res) {
      spdlog::warn("director: cannot list {} at revision {}: {}", prefix, revision,
                   res.error().message);
      return false;
    }
    for (const auto& kv : res->kvs) {
      std::string name = kv.key.substr(prefix.size());
      if (kind == store::RecordKind::kLocationState) {
        // A replica's state: `<check>@<location>`, deleted with its check (all its replicas).
        name = std::string(store::Keys::monitorNameOf(name));
      }
      if (auto problem = store::nameProblem(name); !problem.empty()) {
        // No monitor can have this name: deleted like any key without a monitor.
        store_->rejections().reject(kv, fmt::format("{} key: not a valid check name: {} (deleted "
                                                    "with the next placement)",
                                                    what, problem));
      }
      if (!checks_.contains(name)) {
        if (deleted_.insert(name).second) {
          found++;
        }
      } else if (kind == store::RecordKind::kLocationState) {
        // Its check is there: a location no longer in its list (dropped while nobody
        // directed) goes with the next placement (dropReplicaStates reads which).
        const auto replica = config::splitReplica(std::string_view(kv.key).substr(prefix.size()));
        const auto& list = classes_[checks_.find(name)->tag].locations;
        if (replica && !list.includes(replica->location)) {
          relocated_.insert(name);
        }
      }
    }
  }
  if (found > 0) {
    spdlog::info("director: {} state or push key(s) without a monitor; deleting them", found);
  }
  return true;
}

void Director::reportBadIncidentKeys(int64_t revision) {
  const std::string prefix = store_->keys().incidentPrefix();
  auto res = store_->listRecordKeys(store::RecordKind::kIncident, revision);
  if (!res) {
    return;  // only a report: the next director (or take-over) tries again
  }
  for (const auto& kv : res->kvs) {
    if (auto problem = store::nameProblem(kv.key.substr(prefix.size())); !problem.empty()) {
      store_->rejections().reject(kv, "incident key: not a valid check name: " + problem);
    }
  }
}

void Director::scheduleRecompute(std::optional<std::chrono::milliseconds> delay) {
  if (recompute_pending_ || !is_director_) {
    return;
  }
  recompute_pending_ = true;
  debounce_timer_.expires_after(delay.value_or(options_.debounce));
  debounce_timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
    recompute_pending_ = false;
    if (!ec && is_director_) {
      if (members_watch_ == nullptr) {
        if (!loadAll()) {
          scheduleRecompute();
          return;
        }
        common::releaseFreedMemory();  // the whole prefixes just read
      }
      recompute();
    }
  }));
}

std::chrono::milliseconds Director::coldStartWait() const {
  using std::chrono::milliseconds;
  if (options_.cold_start_quiet <= milliseconds(0) || !stored_.empty() || checks_.empty()) {
    return milliseconds(0);
  }
  const auto until =
      std::min(last_join_ + options_.cold_start_quiet, loaded_at_ + options_.cold_start_max);
  const auto now = std::chrono::steady_clock::now();
  return until > now ? std::chrono::ceil<milliseconds>(until - now) : milliseconds(0);
}

void Director::recompute() {
  if (const auto wait = coldStartWait(); wait.count() > 0) {
    if (!std::exchange(cold_wait_logged_, true)) {
      spdlog::info(
          "director: nothing is assigned yet (a cold start): the first placement waits until "
          "no member has joined for {} ms (at most {} ms)",
          options_.cold_start_quiet.count(), options_.cold_start_max.count());
    }
    scheduleRecompute(wait);
    return;
  }
  // A degraded member (its canaries fail) is placed nothing while another may run its checks;
  // when all are degraded, all are used (better run from a doubtful place than nowhere).
  const bool all_degraded = std::all_of(members_.begin(), members_.end(),
                                        [](const auto& m) { return m.second.degraded; });
  std::vector<MemberView> members;
  members.reserve(members_.size());
  for (const auto& [id, m] : members_) {
    if (!m.degraded || all_degraded) {
      members.push_back(m);
    }
  }
  const Placer placer(members);
  const LocatedPlacer located(members);

  // The desired shard texts, built straight from the view: one pass in name order, so each
  // shard's list comes out sorted, with no copy of any name but in the texts themselves
  // (the director of 100,000 checks used to hold three).
  std::vector<std::array<std::string, kShards>> texts(members.size());
  std::vector<std::string> orphans;
  size_t total = 0;
  auto assign = [&](int owner, std::string_view entry) {
    store::addAssignmentName(texts[static_cast<size_t>(owner)][shardOf(entry)], entry);
    total++;
  };
  checks_.forEach([&](std::string_view name, CheckTable::Entry c) {
    const PlacementClass& pc = classes_[c.tag];
    if (pc.locations.any()) {
      if (!c.disabled) {
        placeReplicas(name, pc, located, assign, orphans);
      }
      return;
    }
    const int owner = placer.owner(name, pc.member_tag, c.disabled);
    if (owner == Placer::kOrphan) {
      orphans.emplace_back(name);
      return;
    }
    if (owner < 0) {
      return;
    }
    assign(owner, name);
  });

  // Diff against what etcd holds.
  store::DirectorWrites writes(store_->keys());
  std::map<std::string, std::map<std::string, ShardDigest>> desired;
  size_t members_used = 0;
  for (size_t i = 0; i < members.size(); ++i) {
    const std::string& member = members[i].id;
    auto m = stored_.find(member);
    bool any = false;
    for (uint32_t shard = 0; shard < kShards; ++shard) {
      std::string& text = texts[i][shard];
      if (text.empty()) {
        continue;
      }
      any = true;
      store::closeAssignmentShard(text);
      const std::string name = shardName(shard);
      const ShardDigest digest = digestOf(text);
      desired[member][name] = digest;
      const bool stored_already =
          m != stored_.end() && m->second.contains(name) && m->second.at(name) == digest;
      if (!stored_already) {
        writes.putShard(member, name, std::move(text));
      }
      std::string().swap(text);
    }
    members_used += any ? 1 : 0;
  }
  texts.clear();
  for (const auto& [member, shards] : stored_) {
    auto d = desired.find(member);
    for (const auto& [shard, digest] : shards) {
      if (d == desired.end() || !d->second.contains(shard)) {
        writes.deleteShard(member, shard);
      }
    }
  }
  const size_t shard_ops = writes.size();
  size_t removed = 0;
  for (const auto& name : deleted_) {
    if (!checks_.contains(name)) {  // not created again meanwhile
      writes.deleteCheckRecords(name);
      removed++;
    }
  }
  const bool relocated = dropReplicaStates(writes);
  // In as many txns as etcd's request limits need (Store::writeAsDirector).
  auto ok = writeFenced(writes, options_.before_write);
  if (!ok) {
    spdlog::warn("director: writing assignments failed: {} (retrying)", ok.error().message);
    if (is_director_) {
      members_watch_.reset();  // re-read everything on the retry
      monitors_watch_.reset();
      assignments_watch_.reset();
      scheduleRecompute();
    }
    return;
  }
  if (!*ok) {
    return;  // fenced out: stepped down
  }
  const bool wrote = !writes.empty();
  writes = store::DirectorWrites(store_->keys());  // its texts freed before the reports
  if (wrote) {
    placements_++;
    spdlog::info(
        "director: placed {} check(s) on {} member(s), {} shard write(s), {} orphan(s), state "
        "and push keys of {} removed check(s) deleted",
        total, members_used, shard_ops, orphans.size(), removed);
  }
  stored_ = std::move(desired);
  deleted_.clear();
  if (relocated) {
    relocated_.clear();
  }
  reportOrphans(orphans,
                [&](const std::string& name) { return ownerNow(name, members, placer, located); });
  if (options_.on_orphans) {
    options_.on_orphans(orphans);
  }
  // A placement that wrote many shards leaves its texts and txn buffers freed but kept by
  // glibc: hand them back, as after any large read.
  if (shard_ops >= kShards) {
    common::releaseFreedMemory();
  }
}

}  // namespace ninevolt::cluster
