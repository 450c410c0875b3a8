#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "config/spec.h"
#include "etcd/watcher.h"
#include "store/store.h"

namespace ninevolt::alerts {

// Every silence (store/silence.h), kept from an etcd watch: the dispatcher asks it at each
// state change, never etcd. Thread-safe.
class SilenceCache {
 public:
  explicit SilenceCache(std::shared_ptr<store::Store> store) : store_(std::move(store)) {}
  ~SilenceCache() { stop(); }
  SilenceCache(const SilenceCache&) = delete;
  SilenceCache& operator=(const SilenceCache&) = delete;

  // Reads every silence, then watches from that revision; on_change runs on the watch's
  // thread after each change is applied.
  Result<void> start(std::function<void()> on_change);
  void stop();

  // The id of a silence covering the check at `now`, or "" (the earliest-ending one when
  // several do: any of them would do, this one is stable).
  std::string silencedBy(const std::string& check, const config::MonitorSpec* spec,
                         common::SystemTime now) const;
  // The next time after `now` that a silence starts or ends: when what is silenced changes
  // without any write to etcd.
  std::optional<common::SystemTime> nextChange(common::SystemTime now) const;
  size_t size() const;

  // Tests: as if read from etcd.
  void put(const store::Silence& silence);

 private:
  std::shared_ptr<store::Store> store_;
  mutable std::mutex mu_;
  std::map<std::string, store::Silence> silences_;
  std::unique_ptr<etcd::Watcher> watch_;
};

}  // namespace ninevolt::alerts
