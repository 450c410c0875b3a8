#include "alerts/silence_cache.h"

namespace ninevolt::alerts {

Result<void> SilenceCache::start(std::function<void()> on_change) {
  auto listed = store_->listSilences();
  if (!listed) {
    return tl::unexpected(listed.error());
  }
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
  return best != nullptr ? best->id : std::string();
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
  return next;
}

size_t SilenceCache::size() const {
  std::lock_guard lock(mu_);
  return silences_.size();
}

void SilenceCache::put(const store::Silence& silence) {
  std::lock_guard lock(mu_);
  silences_[silence.id] = silence;
}

}  // namespace ninevolt::alerts
