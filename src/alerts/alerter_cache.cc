#include "alerts/alerter_cache.h"

#include <spdlog/spdlog.h>

#include "common/yaml_json.h"

namespace ninevolt::alerts {

AlerterCache::AlerterCache(std::shared_ptr<store::Store> store,
                           std::shared_ptr<const AlerterRegistry> registry)
    : store_(std::move(store)), registry_(std::move(registry)) {}

AlerterCache::~AlerterCache() {
  stop();
}

void AlerterCache::set(const std::string& name, const nlohmann::json& value) {
  config::Problems problems;
  auto spec = config::parseAlerter(name, value, problems);
  if (!spec) {
    spdlog::error("alerts: alerter '{}' is invalid and will not be used: {}", name,
                  problems.empty() ? "?" : problems.front().toString());
    erase(name);
    return;
  }
  auto made = registry_->create(*spec);
  if (!made) {
    spdlog::error("alerts: alerter '{}': {}", name, made.error().message);
    erase(name);
    return;
  }
  std::lock_guard lock(mu_);
  alerters_[name] = Entry{spec->type, std::shared_ptr<const Alerter>(std::move(*made))};
}

void AlerterCache::erase(const std::string& name) {
  std::lock_guard lock(mu_);
  alerters_.erase(name);
}

Result<void> AlerterCache::start() {
  const std::string prefix = store_->keys().alerterPrefix();
  auto r = store_->client().listPrefix(prefix);
  if (!r) {
    return tl::unexpected(r.error());
  }
  for (const auto& kv : r->kvs) {
    if (auto name = store::Keys::nameUnder(prefix, kv.key)) {
      auto j = common::parseJson(kv.value);
      set(*name, j ? *j : nlohmann::json());
    }
  }
  watch_ = store_->watchConfigs(store::ConfigKind::kAlerter, r->revision + 1,
                                [this](const store::ConfigWatchUpdate& u) {
                                  if (u.resync) {
                                    {
                                      std::lock_guard lock(mu_);
                                      alerters_.clear();
                                    }
                                    for (const auto& [name, c] : u.snapshot) {
                                      set(name, c.value);
                                    }
                                  }
                                  for (const auto& e : u.events) {
                                    if (e.type == store::ConfigEvent::kDelete) {
                                      erase(e.config.name);
                                    } else {
                                      set(e.config.name, e.config.value);
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
