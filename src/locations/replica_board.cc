#include "locations/replica_board.h"

#include <spdlog/spdlog.h>

#include "common/thread_name.h"
#include "config/locations.h"
#include "store/check_state.h"

namespace ninevolt::locations {
namespace {

// One update of a followed prefix into a copy (with the board's lock held): `broken` while the
// watch is disconnected (it resumes from the last revision seen: nothing is missed).
template <class Clear, class Put, class Erase>
void follow(const etcd::WatchUpdate& u, bool& broken, Clear clear, Put put, Erase erase) {
  switch (u.kind) {
    case etcd::WatchUpdate::kDisconnected:
      broken = true;
      return;
    case etcd::WatchUpdate::kReconnected:
      broken = false;
      return;
    case etcd::WatchUpdate::kResync:
      clear();
      for (const auto& kv : u.snapshot) {
        put(kv);
      }
      broken = false;
      return;
    case etcd::WatchUpdate::kEvents:
      break;
  }
  for (const auto& ev : u.events) {
    if (ev.type == etcd::WatchEvent::kDelete) {
      erase(ev.kv.key);
    } else {
      put(ev.kv);
    }
  }
}

}  // namespace

ReplicaBoard::ReplicaBoard(std::shared_ptr<store::Store> store) : store_(std::move(store)) {}

ReplicaBoard::~ReplicaBoard() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();  // load() ends within one etcd call timeout
  }
  std::unique_ptr<etcd::Watcher> a;
  std::unique_ptr<etcd::Watcher> b;
  {
    std::lock_guard lock(mu_);
    a = std::move(members_watch_);
    b = std::move(states_watch_);
  }
  a.reset();  // without mu_: they wait for a callback that may be waiting for mu_
  b.reset();
}

ReplicaBoard::Look ReplicaBoard::look(const std::string& check, const config::LocationList& list,
                                      std::string_view member_tag) {
  std::lock_guard lock(mu_);
  if (!loading_ && !stopped_) {
    loading_ = true;
    thread_ = std::thread([this] {
      common::nameThisThread("9v-locations");
      load();
    });
  }
  Look out;
  out.synced = synced_ && !members_broken_ && !states_broken_;
  static const ReplicaStates kNone;
  auto it = states_.find(check);
  out.rows = locationRows(list, member_tag, sites_, it != states_.end() ? it->second : kNone);
  return out;
}

void ReplicaBoard::putMember(const etcd::KeyValue& kv) {
  auto m = store::decodeMember(store_->keys().membersPrefix(), kv);
  if (!m) {
    // Reported by the director, which reads every member record. Garbage is no member.
    if (auto id = store::Keys::nameUnder(store_->keys().membersPrefix(), kv.key)) {
      sites_.erase(*id);
    }
    return;
  }
  sites_[m->id] = Site{m->location, m->tags, m->degraded};
}

void ReplicaBoard::putState(const etcd::KeyValue& kv) {
  const std::string name = kv.key.substr(store_->keys().locationStatePrefix().size());
  auto replica = config::splitReplica(name);
  if (!replica) {
    store_->rejections().reject(kv, "location state: not <check>@<location>");
    return;
  }
  auto state = store::decodeState(kv.value);
  if (!state) {
    store_->rejections().reject(kv, "location state: " + state.error().message);
    return;
  }
  states_[std::string(replica->check)].insert_or_assign(std::string(replica->location),
                                                        ReplicaState::of(*state));
}

void ReplicaBoard::eraseState(const std::string& key) {
  auto replica = config::splitReplica(key.substr(store_->keys().locationStatePrefix().size()));
  if (!replica) {
    return;
  }
  auto it = states_.find(replica->check);
  if (it != states_.end()) {
    it->second.erase(std::string(replica->location));
    if (it->second.empty()) {
      states_.erase(it);
    }
  }
}

void ReplicaBoard::load() {
  auto backoff = std::chrono::milliseconds(200);
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopped_) {
        return;
      }
    }
    auto all = store_->readLocations();
    if (all) {
      {
        // Before the watches exist, so no event they deliver is overwritten by this copy.
        std::lock_guard lock(mu_);
        sites_.clear();
        states_.clear();
        for (const auto& kv : all->members) {
          putMember(kv);
        }
        for (const auto& kv : all->states) {
          putState(kv);
        }
        synced_ = true;
      }
      auto members = store_->watchMembers(all->revision + 1,
                                          [this](const etcd::WatchUpdate& u) { onMembers(u); });
      auto states = store_->watchLocationStates(
          all->revision + 1, [this](const etcd::WatchUpdate& u) { onStates(u); });
      std::unique_lock lock(mu_);
      if (stopped_) {
        lock.unlock();
        return;  // the watches go here, without mu_
      }
      members_watch_ = std::move(members);
      states_watch_ = std::move(states);
      spdlog::info("locations: {} member(s) and the states of {} check(s) with locations read",
                   sites_.size(), states_.size());
      return;
    }
    spdlog::warn(
        "locations: cannot read the members and location states from etcd: {} (judges give no "
        "verdict until they are read; retrying in {} ms)",
        all.error().message, backoff.count());
    std::unique_lock lock(mu_);
    stop_cv_.wait_for(lock, backoff, [this] { return stopped_; });
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(10));
  }
}

void ReplicaBoard::onMembers(const etcd::WatchUpdate& u) {
  std::lock_guard lock(mu_);
  follow(
      u, members_broken_, [this] { sites_.clear(); },
      [this](const etcd::KeyValue& kv) { putMember(kv); },
      [this](const std::string& key) {
        if (auto id = store::Keys::nameUnder(store_->keys().membersPrefix(), key)) {
          sites_.erase(*id);
        }
      });
}

void ReplicaBoard::onStates(const etcd::WatchUpdate& u) {
  std::lock_guard lock(mu_);
  follow(
      u, states_broken_, [this] { states_.clear(); },
      [this](const etcd::KeyValue& kv) { putState(kv); },
      [this](const std::string& key) { eraseState(key); });
}

}  // namespace ninevolt::locations
