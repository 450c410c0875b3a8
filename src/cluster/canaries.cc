#include "cluster/canaries.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "locations/judge_type.h"
#include "store/untrusted.h"

namespace ninevolt::cluster {

Canaries::Canaries(boost::asio::io_context& io, std::shared_ptr<store::Store> store,
                   std::shared_ptr<engine::Engine> engine, Options options)
    : store_(std::move(store)),
      engine_(std::move(engine)),
      options_(std::move(options)),
      timer_(io),
      io_(io) {}

void Canaries::set(const std::vector<std::string>& names) {
  if (names == names_) {
    return;
  }
  names_ = names;
  spdlog::info("canaries: {}",
               names_.empty() ? std::string("none") : fmt::format("{}", fmt::join(names_, ", ")));
  for (auto it = last_.begin(); it != last_.end();) {
    it = std::find(names_.begin(), names_.end(), it->first) == names_.end() ? last_.erase(it)
                                                                            : std::next(it);
  }
  if (running_) {
    refresh();
  }
  judge();
}

void Canaries::start() {
  running_ = true;
  in_engine_.clear();  // a lost lease emptied the engine (Manager::halt)
  refresh();
  schedule();
}

void Canaries::stop() {
  running_ = false;
  timer_.cancel();
  for (const auto& name : in_engine_) {
    engine_->remove(name);
  }
  in_engine_.clear();
}

void Canaries::schedule() {
  // Soon again while a canary has no valid monitor (one written after the setting is seen
  // within seconds), else every `refresh` (edits).
  timer_.expires_after(reported_.empty() ? options_.refresh
                                         : std::min<std::chrono::milliseconds>(
                                             options_.refresh, std::chrono::seconds(2)));
  timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
    if (!ec && running_) {
      refresh();
      schedule();
    }
  }));
}

void Canaries::refresh() {
  std::set<std::string> wanted;
  for (const auto& name : names_) {
    const std::string engine_name = std::string(engine::Engine::kCanaryPrefix) + name;
    auto stored = store_->getConfig(store::ConfigKind::kMonitor, name);
    if (!stored) {
      // etcd away: keep running what runs.
      if (in_engine_.contains(engine_name)) {
        wanted.insert(engine_name);
      }
      continue;
    }
    std::optional<config::MonitorSpec> spec;
    config::Problems problems;
    if (*stored) {
      auto value = store::decodeJson((*stored)->text);
      if (value) {
        spec = config::parseMonitor(name, *value, problems);
      }
    }
    if (!spec || spec->disable) {
      if (reported_.insert(name).second) {
        spdlog::warn("canaries: '{}' is {}: it never counts as failing", name,
                     !*stored ? "no monitor"
                     : !spec  ? "not a valid monitor"
                              : "disabled");
      }
      last_.erase(name);
      continue;
    }
    reported_.erase(name);
    engine_->upsert(locations::replicaSpecOf(*config::shareMonitor(std::move(*spec)), engine_name));
    wanted.insert(engine_name);
  }
  for (const auto& name : in_engine_) {
    if (!wanted.contains(name)) {
      engine_->remove(name);
    }
  }
  in_engine_ = std::move(wanted);
  judge();
}

void Canaries::onResult(const engine::RunReport& r) {
  lifetime_.post(io_, [this, name = r.check.substr(engine::Engine::kCanaryPrefix.size()),
                       state = r.state, message = r.result.message] {
    if (std::find(names_.begin(), names_.end(), name) == names_.end()) {
      return;  // no longer a canary
    }
    last_[name] = Last{state, message};
    judge();
  });
}

void Canaries::judge() {
  // Degraded when every canary has a result here and every one is CRITICAL.
  bool all_failing = !names_.empty();
  std::string why;
  for (const auto& name : names_) {
    auto it = last_.find(name);
    if (it == last_.end() || it->second.state != state::CheckState::kCritical) {
      all_failing = false;
      break;
    }
    why += fmt::format("{}{}: {}", why.empty() ? "" : "; ", name, it->second.message);
  }
  if (all_failing == degraded_) {
    return;
  }
  degraded_ = all_failing;
  if (options_.on_change) {
    options_.on_change(degraded_,
                       degraded_ ? "every canary fails: " + why : "a canary passes again");
  }
}

}  // namespace ninevolt::cluster
