#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "cluster/lifetime.h"
#include "common/result.h"
#include "etcd/watcher.h"
#include "store/store.h"

namespace ninevolt::cluster {

// The cluster's timing settings, /9volt/config (one JSON object shared by every member):
//   {"member-ttl":"5s","state-dump-interval":"10s","event-retention":"24h",
//    "event-max-count":10000,"etcd-compaction-interval":"5m","storm-threshold":0,
//    "storm-window":"60s","watchdog-url":"","watchdog-interval":"60s","cluster-alerter":"",
//    "orphan-grace":"5m","canaries":[]}
struct ClusterSettings {
  std::chrono::seconds member_ttl{5};                                       // member lease TTL
  std::chrono::milliseconds state_dump_interval{std::chrono::seconds(10)};  // digest period
  std::chrono::seconds event_retention{std::chrono::hours(24)};             // events live this long
  size_t event_max_count = 10000;                                           // events kept at most
  // The director compacts etcd's history to the revision of one interval ago, every
  // interval (cluster/compactor.h); 0 = never (etcd's own --auto-compaction-* then).
  std::chrono::seconds etcd_compaction_interval{std::chrono::minutes(5)};
  // Alert storm digests (alerts/storm.h): more than `storm_threshold` failures to one
  // alerter within `storm_window` and its state notifications go out as digests. 0 = off.
  int64_t storm_threshold = 0;
  std::chrono::milliseconds storm_window{std::chrono::seconds(60)};
  // A dead man's switch for the whole cluster (cluster/watchdog.h): the director calls
  // `watchdog_url` (GET) every `watchdog_interval`; "" = off.
  std::string watchdog_url;
  std::chrono::seconds watchdog_interval{60};
  // Told of the cluster's own conditions (cluster/cluster_alarms.h): an alerter's name, ""
  // = nobody; orphaned checks count after `orphan_grace`.
  std::string cluster_alerter;
  std::chrono::seconds orphan_grace{std::chrono::minutes(5)};
  // Monitors every member also runs locally to judge its own network (cluster/canaries.h):
  // when every one of them fails, the member is degraded. At most 20 names.
  std::vector<std::string> canaries;

  bool operator==(const ClusterSettings&) const = default;
  // The defaults as stored in a new /9volt/config.
  static nlohmann::json defaultsJson();
};

// Reads the settings from the value of /9volt/config. A field that is absent gets its
// default; a field with a bad value keeps its value from `previous` and is named in
// `problems` ("/9volt/config: member-ttl: \"5\" is not a duration of at least 1s (keeping
// 5s)"). A value that is not a JSON object keeps all of `previous`. Unknown fields are
// ignored (a newer member may know more settings).
ClusterSettings parseSettings(const nlohmann::json& config, const ClusterSettings& previous,
                              const std::string& key, std::vector<std::string>& problems);

// The settings a member starts with: /9volt/config created with the defaults if absent,
// then read; `revision` is the one it was read at (the watch continues from there).
struct LoadedSettings {
  ClusterSettings settings;
  std::vector<std::string> problems;  // bad fields (their defaults are used)
  int64_t revision = 0;
};
// Errors: etcd unreachable. A value that is not JSON at all starts with the defaults (and a
// problem saying so).
Result<LoadedSettings> loadSettings(store::Store& store);

// Follows /9volt/config after loadSettings() and hands every change to the member:
// - on_change(now, before): some setting changed (called only then);
// - on_rejected(problems): fields whose new value is bad (they keep their previous value),
//   each problem reported once until the field changes again; also the start's problems,
//   posted at construction.
// Deleting the key writes the defaults back (create-if-absent; every member may try, one
// wins) and the members take them from the watch.
// Runs on the given loop: both callbacks are called there. The watch is etcd::Watcher's
// (resumes after disconnects, re-lists after compaction).
class SettingsWatch {
 public:
  struct Options {
    std::function<void(const ClusterSettings& now, const ClusterSettings& before)> on_change;
    std::function<void(const std::vector<std::string>& problems)> on_rejected;
  };

  SettingsWatch(boost::asio::io_context& io, std::shared_ptr<store::Store> store,
                const LoadedSettings& start, Options options);
  ~SettingsWatch();
  SettingsWatch(const SettingsWatch&) = delete;
  SettingsWatch& operator=(const SettingsWatch&) = delete;

  const ClusterSettings& current() const { return current_; }  // loop only

 private:
  void onUpdate(const etcd::WatchUpdate& update);
  void apply(const std::string& text);
  void report(const std::vector<std::string>& problems);

  boost::asio::io_context& io_;
  std::shared_ptr<store::Store> store_;
  Options options_;
  ClusterSettings current_;
  std::vector<std::string> reported_;  // problems of the value in force, reported already
  std::unique_ptr<etcd::Watcher> watch_;
  Lifetime lifetime_;  // last: ends first
};

}  // namespace ninevolt::cluster
