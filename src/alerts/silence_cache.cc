#include "alerts/silence_cache.h"

namespace ninevolt::alerts {

void SilenceCache::setWindow(const store::StoredConfig& c) {
  config::Problems problems;
  auto spec = c.error.empty() ? config::parseMaintenance(c.name, c.value, problems) : std::nullopt;
  std::lock_guard lock(mu_);
  if (!spec) {
    windows_.erase(c.name);
    std::string why = c.error;
    for (const auto& p : problems) {
      why += (why.empty() ? "" : "; ") + p.toString();
    }
    store_->rejections().reject(store_->keys().maintenance(c.name), c.mod_revision,
                                why + " (the window is not used)");
    return;
  }
  Window w{std::move(*spec), {}};
  w.matcher = store::silenceOfWindow(w.spec);
  windows_[c.name] = std::move(w);
}

Result<void> SilenceCache::start(std::function<void()> on_change) {
  auto listed = store_->listSilences();
  if (!listed) {
    return tl::unexpected(listed.error());
  }
  auto windows = store_->listConfigs(store::ConfigKind::kMaintenance);
  if (!windows) {
    return tl::unexpected(windows.error());
  }
  {
    std::lock_guard lock(mu_);
    windows_.clear();
  }
  for (const auto& [name, c] : windows->first) {
    setWindow(c);
  }
  windows_watch_ = store_->watchConfigs(store::ConfigKind::kMaintenance, windows->second + 1,
                                        [this, on_change](const store::ConfigWatchUpdate& u) {
                                          if (u.resync) {
                                            {
                                              std::lock_guard lock(mu_);
                                              windows_.clear();
                                            }
                                            for (const auto& [name, c] : u.snapshot) {
                                              setWindow(c);
                                            }
                                          }
                                          for (const auto& e : u.events) {
                                            if (e.type == store::ConfigEvent::kDelete) {
                                              std::lock_guard lock(mu_);
                                              windows_.erase(e.config.name);
                                            } else {
                                              setWindow(e.config);
                                            }
                                          }
                                          if (on_change && (u.resync || !u.events.empty())) {
                                            on_change();
                                          }
                                        });
  {
    std::lock_guard lock(mu_);
    silences_ = std::move(listed->first);
  }
  watch_ = store_->watchSilences(listed->second + 1, [this, on_change = std::move(on_change)](
                                                         const store::SilenceWatchUpdate& u) {
    {
      std::lock_guard lock(mu_);
      if (u.resync) {
        silences_ = u.snapshot;
      }
      for (const auto& [id, silence] : u.changes) {
        if (silence) {
          silences_[id] = *silence;
        } else {
          silences_.erase(id);
        }
      }
    }
    if (on_change) {
      on_change();
    }
  });
  return {};
}

void SilenceCache::stop() {
  watch_.reset();
  windows_watch_.reset();
}

std::string SilenceCache::silencedBy(const std::string& check, const config::MonitorSpec* spec,
                                     common::SystemTime now) const {
  std::lock_guard lock(mu_);
  const store::Silence* best = nullptr;
  for (const auto& [id, s] : silences_) {
    if (s.activeAt(now) && s.matches(check, spec) && (best == nullptr || s.ends < best->ends)) {
      best = &s;
    }
  }
  if (best != nullptr) {
    return best->id;
  }
  for (const auto& [name, w] : windows_) {
    if (w.matcher.matches(check, spec) && w.spec.windowAt(now)) {
      return w.matcher.id;
    }
  }
  return std::string();
}

std::optional<common::SystemTime> SilenceCache::nextChange(common::SystemTime now) const {
  std::lock_guard lock(mu_);
  std::optional<common::SystemTime> next;
  for (const auto& [id, s] : silences_) {
    for (auto t : {s.starts, s.ends}) {
      if (t > now && (!next || t < *next)) {
        next = t;
      }
    }
  }
  for (const auto& [name, w] : windows_) {
    if (auto t = w.spec.nextChange(now); t && (!next || *t < *next)) {
      next = t;
    }
  }
  return next;
}

bool SilenceCache::notifyAfter(const std::string& by) const {
  if (!by.starts_with(store::kWindowSilencePrefix)) {
    return true;
  }
  std::lock_guard lock(mu_);
  auto it = windows_.find(by.substr(store::kWindowSilencePrefix.size()));
  return it == windows_.end() || it->second.spec.notify_after;
}

size_t SilenceCache::size() const {
  std::lock_guard lock(mu_);
  return silences_.size() + windows_.size();
}

void SilenceCache::put(const store::Silence& silence) {
  std::lock_guard lock(mu_);
  silences_[silence.id] = silence;
}

}  // namespace ninevolt::alerts
