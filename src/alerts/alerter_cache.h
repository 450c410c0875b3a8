#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "alerts/alerter.h"
#include "etcd/watcher.h"
#include "store/store.h"

namespace ninevolt::alerts {

// The configured alerters, kept from an etcd watch (never read per alert). An alerter
// whose key or spec is invalid is left out and reported once per revision (the store's
// rejections: the event log's config-rejected). Thread-safe.
class AlerterCache {
 public:
  struct Entry {
    std::string type;
    std::shared_ptr<const Alerter> alerter;
    std::optional<common::Nanos> reminder_interval;  // the alerter's `reminder-interval`
  };

  AlerterCache(std::shared_ptr<store::Store> store,
               std::shared_ptr<const AlerterRegistry> registry);
  ~AlerterCache();
  AlerterCache(const AlerterCache&) = delete;
  AlerterCache& operator=(const AlerterCache&) = delete;

  // Reads every alerter, then watches for changes from that revision.
  Result<void> start();
  void stop();
  std::optional<Entry> get(const std::string& name) const;
  size_t size() const;
  // Alerter name -> its reminder-interval, for the alerters that set one.
  std::map<std::string, common::Nanos> reminderIntervals() const;

  // For tests and for configs applied before start(): builds one from its stored JSON.
  void set(const std::string& name, const nlohmann::json& value);
  void erase(const std::string& name);

 private:
  // From etcd: like set(), and a bad one is reported through the store's rejections.
  void setStored(const store::StoredConfig& c);
  // Why the alerter cannot be used ("" when it was set).
  std::string trySet(const std::string& name, const nlohmann::json& value);

  std::shared_ptr<store::Store> store_;
  std::shared_ptr<const AlerterRegistry> registry_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> alerters_;
  std::unique_ptr<etcd::Watcher> watch_;
};

}  // namespace ninevolt::alerts
