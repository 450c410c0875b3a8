#include "cluster/settings.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/duration.h"
#include "common/printable.h"
#include "store/untrusted.h"

namespace ninevolt::cluster {
namespace {

constexpr const char* kMemberTtl = "member-ttl";
constexpr const char* kStateDumpInterval = "state-dump-interval";
constexpr const char* kEventRetention = "event-retention";
constexpr const char* kEventMaxCount = "event-max-count";
constexpr const char* kEtcdCompactionInterval = "etcd-compaction-interval";
constexpr const char* kStormThreshold = "storm-threshold";
constexpr const char* kStormWindow = "storm-window";
constexpr const char* kWatchdogUrl = "watchdog-url";
constexpr const char* kWatchdogInterval = "watchdog-interval";
constexpr const char* kClusterAlerter = "cluster-alerter";
constexpr const char* kOrphanGrace = "orphan-grace";
constexpr const char* kCanaries = "canaries";
constexpr size_t kMaxCanaries = 20;
constexpr int64_t kMaxStormThreshold = 1'000'000;
constexpr size_t kMaxUrlBytes = 2048;

// "" (off), or an http(s) URL without spaces or control bytes.
bool watchdogUrlOk(const std::string& url) {
  if (url.empty()) {
    return true;
  }
  if (url.size() > kMaxUrlBytes || !(url.starts_with("http://") || url.starts_with("https://"))) {
    return false;
  }
  return std::none_of(url.begin(), url.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
}

// A Go duration string of at least 1s; whole seconds when Unit is seconds (etcd leases and
// lease-based retention are in seconds), rounded up.
// With zero_allowed, "0" (or "0s") is valid too: the feature is off.
template <typename Unit>
void readDuration(const nlohmann::json& config, const char* field, Unit fallback, Unit& out,
                  const std::string& key, std::vector<std::string>& problems,
                  bool zero_allowed = false) {
  if (!config.contains(field)) {
    out = fallback;
    return;
  }
  const auto& v = config[field];
  auto d = v.is_string() ? common::parseDuration(v.get<std::string>())
                         : Result<common::Nanos>(fail(Errc::kInvalidArgument, "not a string"));
  if (zero_allowed && d && d->count() == 0) {
    out = Unit(0);
    return;
  }
  if (!d || *d < std::chrono::seconds(1)) {
    problems.push_back(fmt::format("{}: {}: {} is not a duration of at least 1s{} (keeping {})",
                                   key, field, common::dumpJson(v), zero_allowed ? " or 0" : "",
                                   common::formatDuration(out)));
    return;  // out keeps the previous value
  }
  out = std::chrono::ceil<Unit>(*d);
}

}  // namespace

nlohmann::json ClusterSettings::defaultsJson() {
  return {{kMemberTtl, "5s"},
          {kStateDumpInterval, "10s"},
          {kEventRetention, "24h"},
          {kEventMaxCount, 10000},
          {kEtcdCompactionInterval, "5m"},
          {kStormThreshold, 0},
          {kStormWindow, "60s"},
          {kWatchdogUrl, ""},
          {kWatchdogInterval, "60s"},
          {kClusterAlerter, ""},
          {kOrphanGrace, "5m"},
          {kCanaries, nlohmann::json::array()}};
}

ClusterSettings parseSettings(const nlohmann::json& config, const ClusterSettings& previous,
                              const std::string& key, std::vector<std::string>& problems) {
  if (!config.is_object()) {
    problems.push_back(fmt::format("{}: not a JSON object (keeping every setting)", key));
    return previous;
  }
  const ClusterSettings defaults;
  ClusterSettings out = previous;
  readDuration(config, kMemberTtl, defaults.member_ttl, out.member_ttl, key, problems);
  readDuration(config, kStateDumpInterval, defaults.state_dump_interval, out.state_dump_interval,
               key, problems);
  readDuration(config, kEventRetention, defaults.event_retention, out.event_retention, key,
               problems);
  readDuration(config, kEtcdCompactionInterval, defaults.etcd_compaction_interval,
               out.etcd_compaction_interval, key, problems, /*zero_allowed=*/true);
  {
    // At most a day: a storm is about minutes (and times a window back stay representable).
    const auto kept = out.storm_window;
    readDuration(config, kStormWindow, defaults.storm_window, out.storm_window, key, problems);
    if (out.storm_window > std::chrono::hours(24)) {
      problems.push_back(fmt::format("{}: {}: {} is longer than 24h (keeping {})", key,
                                     kStormWindow, common::dumpJson(config[kStormWindow]),
                                     common::formatDuration(kept)));
      out.storm_window = kept;
    }
  }
  if (!config.contains(kStormThreshold)) {
    out.storm_threshold = defaults.storm_threshold;
  } else if (const auto& v = config[kStormThreshold]; v.is_number_integer() && v.get<int64_t>() >= 0
                                                      && v.get<int64_t>() <= kMaxStormThreshold) {
    out.storm_threshold = v.get<int64_t>();
  } else {
    problems.push_back(fmt::format("{}: {}: {} is not an integer from 0 (off) to {} (keeping {})",
                                   key, kStormThreshold, common::dumpJson(v), kMaxStormThreshold,
                                   out.storm_threshold));
  }
  {
    // 5s .. 24h: a dead man's switch is about minutes; faster is a load on the receiver.
    const auto kept = out.watchdog_interval;
    readDuration(config, kWatchdogInterval, defaults.watchdog_interval, out.watchdog_interval, key,
                 problems);
    if (out.watchdog_interval < std::chrono::seconds(5)
        || out.watchdog_interval > std::chrono::hours(24)) {
      problems.push_back(fmt::format("{}: {}: {} is not between 5s and 24h (keeping {})", key,
                                     kWatchdogInterval, common::dumpJson(config[kWatchdogInterval]),
                                     common::formatDuration(kept)));
      out.watchdog_interval = kept;
    }
  }
  if (!config.contains(kWatchdogUrl)) {
    out.watchdog_url = defaults.watchdog_url;
  } else if (const auto& v = config[kWatchdogUrl];
             v.is_string() && watchdogUrlOk(v.get<std::string>())) {
    out.watchdog_url = v.get<std::string>();
  } else {
    problems.push_back(fmt::format(
        "{}: {}: {} is not \"\" (off) nor an http:// or https:// URL of at most {} bytes "
        "without spaces (keeping {})",
        key, kWatchdogUrl, common::printable(common::dumpJson(v), 200), kMaxUrlBytes,
        out.watchdog_url.empty() ? "off" : "the previous one"));
  }
  readDuration(config, kOrphanGrace, defaults.orphan_grace, out.orphan_grace, key, problems);
  if (!config.contains(kClusterAlerter)) {
    out.cluster_alerter = defaults.cluster_alerter;
  } else if (const auto& v = config[kClusterAlerter];
             v.is_string()
             && (v.get<std::string>().empty()
                 || store::nameProblem(v.get<std::string>()).empty())) {
    out.cluster_alerter = v.get<std::string>();
  } else {
    problems.push_back(
        fmt::format("{}: {}: {} is not \"\" (nobody) nor an alerter's name "
                    "(keeping {})",
                    key, kClusterAlerter, common::printable(common::dumpJson(v), 200),
                    out.cluster_alerter.empty() ? "nobody" : out.cluster_alerter));
  }
  if (!config.contains(kCanaries)) {
    out.canaries = defaults.canaries;
  } else {
    const auto& v = config[kCanaries];
    std::vector<std::string> names;
    bool ok = v.is_array() && v.size() <= kMaxCanaries;
    for (size_t i = 0; ok && i < v.size(); ++i) {
      ok = v[i].is_string() && store::nameProblem(v[i].get<std::string>()).empty()
           && std::find(names.begin(), names.end(), v[i].get<std::string>()) == names.end();
      if (ok) {
        names.push_back(v[i].get<std::string>());
      }
    }
    if (ok) {
      out.canaries = std::move(names);
    } else {
      problems.push_back(
          fmt::format("{}: {}: {} is not a list of at most {} distinct monitor "
                      "names (keeping {} canaries)",
                      key, kCanaries, common::printable(common::dumpJson(v), 200), kMaxCanaries,
                      out.canaries.size()));
    }
  }
  if (!config.contains(kEventMaxCount)) {
    out.event_max_count = defaults.event_max_count;
  } else if (const auto& v = config[kEventMaxCount];
             v.is_number_integer() && v.get<int64_t>() >= 1) {
    out.event_max_count = v.get<size_t>();
  } else {
    problems.push_back(fmt::format("{}: {}: {} is not a positive integer (keeping {})", key,
                                   kEventMaxCount, common::dumpJson(v), out.event_max_count));
  }
  return out;
}

Result<LoadedSettings> loadSettings(store::Store& store) {
  int64_t revision = 0;
  auto stored = store.ensureClusterConfig(ClusterSettings::defaultsJson(), &revision);
  LoadedSettings out;
  if (!stored && stored.error().code == Errc::kInvalidArgument) {
    // Not JSON (written by hand): start with the defaults, say so, and follow the key; a
    // good value written later applies live. Refusing to start would let one bad value keep
    // every member down.
    out.revision = revision;
    out.problems.push_back(
        fmt::format("{} (using the defaults)", common::printable(stored.error().message)));
    return out;
  }
  if (!stored) {
    return tl::unexpected(stored.error());
  }
  out.revision = revision;
  out.settings =
      parseSettings(*stored, ClusterSettings{}, store.keys().clusterConfig(), out.problems);
  return out;
}

SettingsWatch::SettingsWatch(boost::asio::io_context& io, std::shared_ptr<store::Store> store,
                             const LoadedSettings& start, Options options)
    : io_(io), store_(std::move(store)), options_(std::move(options)), current_(start.settings) {
  lifetime_.post(io_, [this, problems = start.problems] { report(problems); });
  watch_ = store_->watchClusterConfig(start.revision + 1, [this](const etcd::WatchUpdate& u) {
    lifetime_.post(io_, [this, u] { onUpdate(u); });
  });
}

SettingsWatch::~SettingsWatch() {
  watch_.reset();
}

void SettingsWatch::onUpdate(const etcd::WatchUpdate& update) {
  const std::string key = store_->keys().clusterConfig();
  std::optional<std::string> value;  // the latest value; nullopt = deleted
  switch (update.kind) {
    case etcd::WatchUpdate::kEvents:
      if (update.events.empty()) {
        return;
      }
      if (update.events.back().type == etcd::WatchEvent::kPut) {
        value = update.events.back().kv.value;
      }
      break;
    case etcd::WatchUpdate::kResync:
      if (!update.snapshot.empty()) {
        value = update.snapshot[0].value;
      }
      break;
    default:
      return;  // disconnect/reconnect: the watch resumes without gaps
  }
  if (value) {
    apply(*value);
    return;
  }
  // Deleted: write the defaults back; the watch brings them here.
  spdlog::warn("{} was deleted; writing the defaults again", key);
  if (auto r = store_->ensureClusterConfig(ClusterSettings::defaultsJson()); !r) {
    spdlog::warn("{}: cannot write the defaults: {} (keeping the settings in force)", key,
                 r.error().message);
  }
}

void SettingsWatch::apply(const std::string& text) {
  const std::string key = store_->keys().clusterConfig();
  std::vector<std::string> problems;
  auto json = store::decodeJson(text);
  ClusterSettings next = json ? parseSettings(*json, current_, key, problems) : current_;
  if (!json) {
    problems.push_back(fmt::format("{}: {} (keeping every setting)", key,
                                   common::printable(json.error().message)));
  }
  if (next == current_) {
    report(problems);
    return;
  }
  ClusterSettings before = std::exchange(current_, next);
  spdlog::info(
      "{} changed: member-ttl {}, state-dump-interval {}, event-retention {}, event-max-count {}",
      key, common::formatDuration(current_.member_ttl),
      common::formatDuration(current_.state_dump_interval),
      common::formatDuration(current_.event_retention), current_.event_max_count);
  if (options_.on_change) {
    options_.on_change(current_, before);
  }
  // After the change: what the rejection records is written under the new settings.
  report(problems);
}

void SettingsWatch::report(const std::vector<std::string>& problems) {
  std::vector<std::string> fresh;
  for (const auto& p : problems) {
    if (std::find(reported_.begin(), reported_.end(), p) == reported_.end()) {
      spdlog::warn("{}", p);
      fresh.push_back(p);
    }
  }
  reported_ = problems;
  if (!fresh.empty() && options_.on_rejected) {
    options_.on_rejected(fresh);
  }
}

}  // namespace ninevolt::cluster
