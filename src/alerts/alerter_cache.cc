#include "alerts/alerter_cache.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "store/untrusted.h"

namespace ninevolt::alerts {

AlerterCache::AlerterCache(std::shared_ptr<store::Store> store,
                           std::shared_ptr<const AlerterRegistry> registry)
    : store_(std::move(store)), registry_(std::move(registry)) {}

AlerterCache::~AlerterCache() {
  stop();
}

std::string AlerterCache::trySet(const std::string& name, const nlohmann::json& value) {
  config::Problems problems;
  auto spec = config::parseAlerter(name, value, problems);
  if (!spec) {
    erase(name);
    std::string all;
    for (const auto& p : problems) {
      all += (all.empty() ? "" : "; ") + p.toString();
    }
    return all.empty() ? "invalid" : all;
  }
  auto made = registry_->create(*spec);
  if (!made) {
    erase(name);
    return fmt::format("alerter '{}': {}", name, made.error().message);
  }
  std::lock_guard lock(mu_);
  alerters_[name] =
      Entry{spec->type, std::shared_ptr<const Alerter>(std::move(*made)), spec->reminder_interval};
  return {};
}

void AlerterCache::set(const std::string& name, const nlohmann::json& value) {
  if (auto why = trySet(name, value); !why.empty()) {
    spdlog::error("alerts: alerter '{}' is invalid and will not be used: {}", name, why);
  }
}

void AlerterCache::setStored(const store::StoredConfig& c) {
  std::string why = c.error.empty() ? trySet(c.name, c.value) : c.error;
  if (!c.error.empty()) {
    erase(c.name);
  }
  if (!why.empty()) {
    store_->rejections().reject(store_->keys().alerter(c.name), c.mod_revision,
                                why + " (the alerter is not used)");
  }
}

std::map<std::string, common::Nanos> AlerterCache::reminderIntervals() const {
  std::lock_guard lock(mu_);
  std::map<std::string, common::Nanos> out;
  for (const auto& [name, entry] : alerters_) {
    if (entry.reminder_interval) {
      out.emplace(name, *entry.reminder_interval);
    }
  }
  return out;
}

void AlerterCache::erase(const std::string& name) {
  std::lock_guard lock(mu_);
  alerters_.erase(name);
}

Result<void> AlerterCache::start() {
  auto r = store_->listConfigs(store::ConfigKind::kAlerter);
  if (!r) {
    return tl::unexpected(r.error());
  }
  for (const auto& [name, c] : r->first) {
    setStored(c);
  }
  watch_ = store_->watchConfigs(store::ConfigKind::kAlerter, r->second + 1,
                                [this](const store::ConfigWatchUpdate& u) {
                                  if (u.resync) {
                                    {
                                      std::lock_guard lock(mu_);
                                      alerters_.clear();
                                    }
                                    for (const auto& [name, c] : u.snapshot) {
                                      setStored(c);
                                    }
                                  }
                                  for (const auto& e : u.events) {
                                    if (e.type == store::ConfigEvent::kDelete) {
                                      erase(e.config.name);
                                    } else {
                                      setStored(e.config);
                                    }
                                  }
                                });
  return {};
}

void AlerterCache::stop() {
  watch_.reset();
}

std::optional<AlerterCache::Entry> AlerterCache::get(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = alerters_.find(name);
  if (it == alerters_.end()) {
    return std::nullopt;
  }
  return it->second;
}

size_t AlerterCache::size() const {
  std::lock_guard lock(mu_);
  return alerters_.size();
}

}  // namespace ninevolt::alerts
