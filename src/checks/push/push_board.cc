#include "checks/push/push_board.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "common/thread_name.h"

namespace ninevolt::checks::push {

PushBoard::PushBoard(std::shared_ptr<store::Store> store) : store_(std::move(store)) {}

PushBoard::~PushBoard() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  stop_cv_.notify_all();
  if (pool_) {
    pool_->join();  // what runs there ends within one etcd call timeout (no new work: stopped_)
  }
  std::unique_ptr<etcd::Watcher> watch;
  {
    std::lock_guard lock(mu_);
    watch = std::move(watch_);
  }
  watch.reset();  // without mu_: it waits for a callback that may be waiting for mu_
}

PushBoard::Look PushBoard::look(const std::string& check) {
  std::lock_guard lock(mu_);
  if (!loading_) {
    startLoading();
  }
  Look out;
  out.synced = synced_;
  if (auto it = records_.find(check); it != records_.end()) {
    out.record = it->second;
  }
  return out;
}

boost::asio::thread_pool& PushBoard::pool() {
  if (!pool_) {
    common::ScopedThreadName name("9v-push");
    pool_.emplace(1);
  }
  return *pool_;
}

void PushBoard::startLoading() {
  loading_ = true;
  boost::asio::post(pool(), [this] { load(); });
}

void PushBoard::load() {
  auto backoff = std::chrono::milliseconds(200);
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopped_) {
        return;
      }
    }
    auto all = store_->loadPushes();
    if (all) {
      const size_t count = all->first.size();
      {
        // Before the watch exists, so no event it delivers is overwritten by this older copy.
        std::lock_guard lock(mu_);
        records_ = std::move(all->first);
        synced_ = true;
      }
      auto watch = store_->watchPushes(all->second + 1,
                                       [this](const store::PushWatchUpdate& u) { onUpdate(u); });
      std::unique_lock lock(mu_);
      if (stopped_) {
        lock.unlock();
        return;  // `watch` goes here, without mu_
      }
      watch_ = std::move(watch);
      spdlog::info("push: {} push record(s) read from etcd; watching for changes", count);
      return;
    }
    spdlog::warn(
        "push: cannot read the push records from etcd: {} (push checks give no verdict "
        "until they are read; retrying in {} ms)",
        all.error().message, backoff.count());
    std::unique_lock lock(mu_);
    stop_cv_.wait_for(lock, backoff, [this] { return stopped_; });
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(10));
  }
}

void PushBoard::onUpdate(const store::PushWatchUpdate& u) {
  std::lock_guard lock(mu_);
  if (u.disconnected) {
    synced_ = false;
    return;
  }
  if (u.reconnected) {
    synced_ = true;  // resumed from the last revision seen: nothing was missed
    return;
  }
  if (u.resync) {
    records_ = u.snapshot;
    synced_ = true;
    return;
  }
  for (const auto& [check, record] : u.changes) {
    if (record) {
      records_[check] = *record;
    } else {
      records_.erase(check);
    }
  }
}

void PushBoard::arm(const std::string& check, common::SystemTime now,
                    std::function<void(Result<store::PushRecord>)> done) {
  std::lock_guard lock(mu_);
  boost::asio::post(
      pool(), [this, check, now, done = std::move(done)] { done(store_->armPush(check, now)); });
}

void PushBoard::read(const std::string& check,
                     std::function<void(Result<std::optional<store::PushRecord>>)> done) {
  std::lock_guard lock(mu_);
  boost::asio::post(pool(),
                    [this, check, done = std::move(done)] { done(store_->getPush(check)); });
}

}  // namespace ninevolt::checks::push
