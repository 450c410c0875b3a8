#include "cluster/manager.h"

#include <algorithm>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cluster/placement.h"
#include "common/json_fields.h"
#include "common/memory.h"
#include "common/printable.h"
#include "common/yaml_json.h"
#include "locations/judge_type.h"
#include "state/state_machine.h"
#include "store/assignment_shard.h"
#include "store/incident.h"
#include "store/untrusted.h"

namespace ninevolt::cluster {
namespace {

// The checks in one of this member's assignment shards (`shard` is the key's last part).
// Only what the director could write is taken: a shard name 00..3f holding a list of valid
// check names. Anything else (written by hand) is reported and gives nullopt: the shard
// keeps the names it had (the director, which watches the assignments, writes it right
// again), so a stray value does not stop the checks assigned properly.
std::optional<std::set<std::string>> namesOf(store::Store& store, const std::string& shard,
                                             const etcd::KeyValue& kv) {
  if (!store::validAssignmentShardName(shard)) {
    store.rejections().reject(kv, "assignment shard: not an assignment shard name (00..3f)");
    return std::nullopt;
  }
  auto names = store::decodeAssignmentShard(kv.value);
  if (!names) {
    store.rejections().reject(kv, "assignment shard: " + names.error().message);
    return std::nullopt;
  }
  return std::set<std::string>(names->begin(), names->end());
}

}  // namespace

Manager::Manager(boost::asio::io_context& io, std::shared_ptr<store::Store> store,
                 std::shared_ptr<engine::Engine> engine, Options options)
    : io_(io),
      store_(std::move(store)),
      engine_(std::move(engine)),
      options_(std::move(options)),
      retry_timer_(io),
      trim_timer_(io),
      assignments_timer_(io),
      arrival_timer_(io) {}

Manager::~Manager() {
  assignments_watch_.reset();
  monitors_watch_.reset();
}

void Manager::start() {
  running_ = true;
  if (!load()) {
    scheduleRetry();
  }
}

void Manager::scheduleRetry() {
  retry_timer_.expires_after(std::chrono::seconds(1));
  retry_timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
    if (!ec && running_ && !load()) {
      scheduleRetry();
    }
  }));
}

void Manager::stopAll() {
  running_ = false;
  retry_timer_.cancel();
  arrival_timer_.cancel();
  assignments_watch_.reset();
  monitors_watch_.reset();
  dropQueuedAssignments();
  for (const auto& name : owned_) {
    removeFromEngine(name);
    if (options_.on_removed) {
      options_.on_removed(name);
    }
  }
  if (!owned_.empty()) {
    spdlog::warn("manager: stopped all {} check(s) of this member", owned_.size());
  }
  {
    std::lock_guard lock(engine_mu_);
    halted_ = false;  // the engine holds none of ours now; start() may run them again
  }
  owned_.clear();
  owned_count_.set(0);
  shards_.clear();
  {
    std::lock_guard lock(specs_mu_);
    specs_.clear();
  }
  rejected_.clear();
}

std::set<std::string> Manager::ownedFromShards() const {
  std::set<std::string> out;
  for (const auto& [shard, names] : shards_) {
    out.insert(names.begin(), names.end());
  }
  return out;
}

bool Manager::load() {
  const std::string mine = store_->keys().assignmentsPrefix(options_.member_id);
  // Only the assignments here: prefetch() reads the specs and saved states of the checks,
  // once, however many there are.
  auto res = store_->readAssignments(options_.member_id);
  if (!res) {
    spdlog::warn("manager: cannot read assignments: {}", res.error().message);
    return false;
  }
  std::set<std::string> previous = owned_;
  auto old = std::exchange(shards_, {});
  for (const auto& kv : res->kvs) {
    std::string shard = kv.key.substr(mine.size());
    if (auto names = namesOf(*store_, shard, kv)) {
      shards_[shard] = std::move(*names);
    } else if (auto it = old.find(shard); it != old.end()) {
      shards_[shard] = std::move(it->second);
    }
  }
  owned_ = ownedFromShards();
  owned_count_.set(static_cast<int64_t>(owned_.size()));

  auto post = [this](std::function<void()> fn) { lifetime_.post(io_, std::move(fn)); };
  assignments_watch_ =
      store_->watchAssignments(options_.member_id, res->revision + 1,
                               [this](const etcd::WatchUpdate& u) { queueAssignments(u); });
  monitors_watch_ = store_->watchConfigs(
      store::ConfigKind::kMonitor, res->revision + 1,
      [this, post](const store::ConfigWatchUpdate& u) { post([this, u] { onMonitors(u); }); });
  std::vector<std::string> arriving;
  for (const auto& name : owned_) {
    if (!previous.contains(name)) {
      arriving.push_back(name);
    }
  }
  const size_t removed = removeLeft(previous);
  if (!prefetch(arriving)) {
    deferArrivals(arriving);
    arriving.clear();
  }
  reconcile(previous, removed,
            /*all_owned=*/true);  // a re-list: the engine ignores unchanged specs
  arrived(arriving);
  spdlog::info("manager: member {} owns {} check(s)", options_.member_id, owned_.size());
  return true;
}

namespace {

// What the previous owner left in the state key: where the check's state continues from
// (status and count), and who ran it last and when (the owner writes the key when status,
// count or message change, so the check ran at that date or later; a steady check's date
// can be old: it then counts as overdue, which at worst runs it once early).
// A seed from a stored status and count: the count is whatever was written, kept in range.
state::Seed seedOf(state::CheckState status, int64_t count) {
  constexpr int64_t kMaxCount = 1 << 30;
  return state::Seed{status, static_cast<int>(std::clamp<int64_t>(count, 0, kMaxCount))};
}

// With its flap history as of its date (the runs since then are filled in by the engine,
// which knows the interval) and whether it flaps.
state::Seed seedOf(const store::CheckStateRecord& r) {
  state::Seed seed = seedOf(*state::parseStateName(r.status), r.count);
  if (auto at = r.time()) {
    seed.history_at = *at;
    if (!r.history.empty()) {
      seed.history = state::FlapHistory::parse(r.history);
    }
  }
  seed.flapping = r.flapping;
  return seed;
}

// An open incident (/9volt/incident/<check>, written by the alert dispatcher before it sends
// anything) can be fresher than the state key, which is written up to ~1 s late: a check
// that alerted just before its owner died must continue as failing, or its recovery would
// never be resolved. (A bad incident is reported by the dispatcher, which owns them, and
// treated as absent here as there.)
std::optional<state::Seed> seedFromIncident(const etcd::KeyValue& kv) {
  auto incident = store::decodeIncident(kv.value);
  if (!incident || (incident->resolved() && !incident->flapping)) {
    return std::nullopt;
  }
  state::Seed seed =
      incident->resolved() ? state::Seed{} : seedOf(incident->status, incident->count);
  // Flapping ends in the incident only when the engine says so: it must know.
  seed.flapping = incident->flapping.has_value();
  return seed;
}

// Whichever says "worse": the higher state, then the longer failure. The history is the
// state key's (an incident has none), and flapping if either says so (the dispatcher ends
// an incident's flapping only when the engine stops it).
void keepStronger(std::map<std::string, state::Seed>& seeds, const std::string& name,
                  const state::Seed& seed) {
  auto [it, added] = seeds.emplace(name, seed);
  if (added) {
    return;
  }
  state::Seed& kept = it->second;
  const bool flapping = kept.flapping || seed.flapping;
  if (seed.state > kept.state || (seed.state == kept.state && seed.count > kept.count)) {
    const auto history = kept.history;
    const auto history_at = kept.history_at;
    kept = seed;
    if (!kept.history) {
      kept.history = history;
      kept.history_at = history_at;
    }
  }
  kept.flapping = flapping;
}

}  // namespace

bool Manager::prefetch(const std::vector<std::string>& names) {
  for (const auto& n : names) {
    seeds_.erase(n);  // a left-over seed from an earlier arrival must not win the merge
    last_runs_.erase(n);
  }
  arriving_runs_.clear();
  const bool read = readArriving(names);
  if (names.size() > options_.whole_prefix_above) {
    common::releaseFreedMemory();  // the whole prefixes readArriving() read and dropped
  }
  if (!read) {
    arriving_runs_.clear();
    return false;
  }
  resolveLastRuns();
  arriving_seeds_.clear();
  for (const auto& n : names) {
    if (auto s = seeds_.find(n); s != seeds_.end()) {
      arriving_seeds_.emplace(n, s->second);
    }
  }
  return true;
}

void Manager::deferArrivals(const std::vector<std::string>& names) {
  if (names.empty()) {
    return;
  }
  for (const auto& n : names) {
    owned_.erase(n);
  }
  owned_count_.set(static_cast<int64_t>(owned_.size()));
  spdlog::warn(
      "manager: {} arriving check(s) not started: etcd did not answer their reads; reading "
      "them again in {} ms",
      names.size(), options_.arrival_retry.count());
  arrival_timer_.expires_after(options_.arrival_retry);
  arrival_timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
    if (!ec && running_) {
      assignmentsChanged();
    }
  }));
}

void Manager::noteState(const std::string& name, const etcd::KeyValue& kv) {
  auto state = store::decodeState(kv.value);
  if (!state) {
    // A bad one is reported; the check then starts afresh.
    store_->rejections().reject(kv, "check state: " + state.error().message);
    return;
  }
  keepStronger(seeds_, name, seedOf(*state));
  if (auto at = state->time(); at && !state->owner.empty()) {
    arriving_runs_[name] = {state->owner, *at};
  }
}

void Manager::resolveLastRuns() {
  if (arriving_runs_.empty()) {
    return;
  }
  // Which previous owners are alive (member records live on their leases). If etcd cannot
  // say, every one counts as gone: a check then runs at once if its date is old, which at
  // worst is one run early; the other way a missed due time could wait a whole interval.
  std::set<std::string> live;
  auto members = store_->liveMemberIds();
  if (members) {
    live = std::move(*members);
  } else {
    spdlog::warn(
        "manager: cannot read the members: {} (arriving checks count as moved from a "
        "gone member)",
        members.error().message);
  }
  for (auto& [name, run] : arriving_runs_) {
    // This member as the previous owner: an earlier life of it (a restart, a lost lease),
    // which is not running the check any more.
    if (run.owner == options_.member_id || !live.contains(run.owner)) {
      last_runs_[name] = run.at;
    }
  }
  arriving_runs_.clear();
}

bool Manager::readArriving(const std::vector<std::string>& names) {
  if (names.empty()) {
    return true;
  }
  if (options_.before_arrival_reads) {
    options_.before_arrival_reads();
  }
  if (names.size() > options_.whole_prefix_above) {
    // Point reads in batches still finish when the whole prefixes are too much for etcd
    // (40 checks per txn). Never one by one: 333,000 arriving checks were a million
    // sequential calls, each waiting out its deadline when etcd is away.
    return readWholePrefixes(names) || prefetchBatched(names);
  }
  if (names.size() > kPrefetchOneByOne) {
    return prefetchBatched(names);
  }
  // A few: one check at a time (one txn each), giving up at the first read etcd does not
  // answer.
  for (const auto& name : names) {
    auto got = store_->readCheckRecords({name});
    if (!got || got->size() != 1) {
      spdlog::warn("manager: reading arriving check {}: {}", name,
                   got ? "short answer" : got.error().message);
      return false;
    }
    takeRecords(name, got->front());
  }
  return true;
}

void Manager::takeRecords(const std::string& name, const store::CheckRecords& records) {
  if (records.monitor) {  // read now: at least as new as what the watch brought
    acceptSpec(name, records.monitor->value);
  }
  if (records.state) {
    noteState(name, *records.state);
  }
  if (records.incident) {
    if (auto seed = seedFromIncident(*records.incident)) {
      keepStronger(seeds_, name, *seed);
    }
  }
}

bool Manager::readWholePrefixes(const std::vector<std::string>& names) {
  // Read in pages (Store::listRecords, each page at the first page's revision, each call
  // with its own deadline): one txn of the three whole prefixes was ~200 MB at 1,000,000
  // monitors and failed (near the 256 MiB receive limit, a busy etcd).
  const std::set<std::string> wanted(names.begin(), names.end());
  // A replica's monitor is its check's (`web@eu-west` runs `web`).
  std::map<std::string, std::vector<std::string>, std::less<>> by_monitor;
  bool replicas = false;
  for (const auto& n : names) {
    by_monitor[std::string(store::Keys::monitorNameOf(n))].push_back(n);
    replicas = replicas || n.find('@') != std::string::npos;
  }
  size_t keys_read = 0;
  auto read = [&](store::RecordKind kind, auto&& take) {
    const std::string prefix = store_->prefixOf(kind);
    auto got = store_->listRecords(kind, options_.prefix_page_size);
    if (!got) {
      spdlog::warn(
          "manager: reading {} for {} arriving check(s) failed: {} (reading them in "
          "batches instead)",
          prefix, names.size(), got.error().message);
      return false;
    }
    keys_read += got->kvs.size();
    for (const auto& kv : got->kvs) {
      // A replica's key (location states) holds an '@', which no check name does.
      std::optional<std::string> n;
      if (kind == store::RecordKind::kLocationState) {
        n = kv.key.substr(prefix.size());
      } else {
        n = store::Keys::nameUnder(prefix, kv.key);
      }
      if (n) {
        take(*n, kv);
      }
    }
    return true;
  };
  auto wanted_only = [&](auto&& take) {
    return [&, take](const std::string& n, const etcd::KeyValue& kv) {
      if (wanted.contains(n)) {
        take(n, kv);
      }
    };
  };
  const bool ok =
      read(store::RecordKind::kMonitor,
           [&](const std::string& n, const etcd::KeyValue& kv) {
             if (auto it = by_monitor.find(n); it != by_monitor.end()) {
               for (const auto& entry : it->second) {
                 acceptSpec(entry, kv.value);
               }
             }
           })
      && read(
          store::RecordKind::kState,
          wanted_only([&](const std::string& n, const etcd::KeyValue& kv) { noteState(n, kv); }))
      && (!replicas
          || read(store::RecordKind::kLocationState,
                  wanted_only(
                      [&](const std::string& n, const etcd::KeyValue& kv) { noteState(n, kv); })))
      && read(store::RecordKind::kIncident,
              wanted_only([&](const std::string& n, const etcd::KeyValue& kv) {
                if (auto seed = seedFromIncident(kv)) {
                  keepStronger(seeds_, n, *seed);
                }
              }));
  if (ok) {
    spdlog::info(
        "manager: {} arriving check(s) read with the whole prefixes ({} keys, pages of {})",
        names.size(), keys_read, options_.prefix_page_size);
  }
  return ok;
}

bool Manager::prefetchBatched(const std::vector<std::string>& names) {
  // Each check's monitor, state and incident (Store::readCheckRecords: 40 checks per txn),
  // a chunk at a time so that what is held meanwhile stays small.
  constexpr size_t kChecksPerChunk = 400;
  for (size_t i = 0; i < names.size(); i += kChecksPerChunk) {
    const std::vector<std::string> chunk(
        names.begin() + static_cast<std::ptrdiff_t>(i),
        names.begin() + static_cast<std::ptrdiff_t>(std::min(names.size(), i + kChecksPerChunk)));
    auto got = store_->readCheckRecords(chunk);
    if (!got || got->size() != chunk.size()) {
      spdlog::warn("manager: reading {} arriving check(s) in batches: {}", names.size(),
                   got ? "short answer" : got.error().message);
      return false;
    }
    for (size_t k = 0; k < chunk.size(); ++k) {
      takeRecords(chunk[k], (*got)[k]);
    }
  }
  return true;
}

void Manager::queueAssignments(const etcd::WatchUpdate& u) {
  bool first = false;
  {
    std::lock_guard lock(pending_mu_);
    first = pending_assignments_.empty();
    pending_assignments_.push_back(u);
    last_queued_ = std::chrono::steady_clock::now();
    if (first) {
      first_queued_ = last_queued_;
    }
  }
  if (first) {
    // A placement reaches etcd in several txns, and each comes as its own update: updates
    // are gathered while they keep coming (each within assignments_gather of the last, up
    // to assignments_gather_max), so the arriving checks are read (past a few thousand, with
    // the whole prefixes) once per placement, not once per txn.
    lifetime_.post(io_, [this] { gatherAssignments(options_.assignments_gather); });
  }
}

void Manager::gatherAssignments(std::chrono::steady_clock::duration wait) {
  assignments_timer_.expires_after(wait);
  assignments_timer_.async_wait(lifetime_.guard([this](const boost::system::error_code& ec) {
    if (ec) {
      return;
    }
    std::chrono::steady_clock::duration more{0};
    {
      std::lock_guard lock(pending_mu_);
      const auto now = std::chrono::steady_clock::now();
      if (!pending_assignments_.empty() && now - first_queued_ < options_.assignments_gather_max) {
        more = std::min(last_queued_ + options_.assignments_gather,
                        first_queued_ + options_.assignments_gather_max)
               - now;
      }
    }
    if (more > std::chrono::steady_clock::duration::zero()) {
      gatherAssignments(more);
      return;
    }
    drainAssignments();
  }));
}

void Manager::dropQueuedAssignments() {
  assignments_timer_.cancel();
  std::lock_guard lock(pending_mu_);
  pending_assignments_.clear();
}

void Manager::drainAssignments() {
  std::vector<etcd::WatchUpdate> updates;
  {
    std::lock_guard lock(pending_mu_);
    updates.swap(pending_assignments_);
  }
  bool changed = false;
  for (const auto& u : updates) {
    changed = applyAssignments(u) || changed;
  }
  if (changed) {
    assignmentsChanged();
  }
}

bool Manager::applyAssignments(const etcd::WatchUpdate& u) {
  if (!running_) {
    return false;
  }
  const std::string mine = store_->keys().assignmentsPrefix(options_.member_id);
  if (u.kind == etcd::WatchUpdate::kResync) {
    auto old = std::exchange(shards_, {});
    for (const auto& kv : u.snapshot) {
      std::string shard = kv.key.substr(mine.size());
      if (auto names = namesOf(*store_, shard, kv)) {
        shards_[shard] = std::move(*names);
      } else if (auto it = old.find(shard); it != old.end()) {
        shards_[shard] = std::move(it->second);
      }
    }
  } else if (u.kind == etcd::WatchUpdate::kEvents) {
    for (const auto& ev : u.events) {
      std::string shard = ev.kv.key.substr(mine.size());
      if (ev.type == etcd::WatchEvent::kDelete) {
        shards_.erase(shard);
      } else if (auto names = namesOf(*store_, shard, ev.kv)) {
        shards_[shard] = std::move(*names);
      }
    }
  } else {
    return false;
  }
  return true;
}

void Manager::assignmentsChanged() {
  if (!running_) {
    return;
  }
  std::set<std::string> previous = owned_;
  owned_ = ownedFromShards();
  owned_count_.set(static_cast<int64_t>(owned_.size()));
  std::vector<std::string> arriving;
  for (const auto& name : owned_) {
    if (!previous.contains(name)) {
      arriving.push_back(name);
    }
  }
  // The leaving checks stop first: the new owner may run them already, and reading the
  // arriving ones can take a while (the whole prefixes, at scale).
  const size_t left = removeLeft(previous);
  if (!prefetch(arriving)) {
    deferArrivals(arriving);
    arriving.clear();
  }
  // Only the arriving checks go to the engine: the others run their spec already (a spec
  // change comes through onMonitors). Parsing every owned spec again on each assignment
  // change cost seconds per survivor when a member of a 100k-check cluster died.
  reconcile(previous, left, /*all_owned=*/false);
  arrived(arriving);
  if (!arriving.empty() || left > 0) {
    spdlog::info("manager: member {} owns {} check(s) (+{} -{})", options_.member_id, owned_.size(),
                 arriving.size(), left);
  }
}

void Manager::onMonitors(const store::ConfigWatchUpdate& u) {
  if (!running_) {
    return;
  }
  auto apply = [this](const store::StoredConfig& c) {
    // The check and its replicas here (`<name>@<location>` sort together after `<name>@`).
    const std::string replicas = c.name + "@";
    for (auto it = owned_.lower_bound(c.name);
         it != owned_.end() && (*it == c.name || it->starts_with(replicas)); ++it) {
      acceptSpec(*it, c.text);
      run(*it, false);
    }
  };
  if (u.resync) {
    for (const auto& [name, c] : u.snapshot) {
      apply(c);
    }
  }
  for (const auto& ev : u.events) {
    if (ev.type == store::ConfigEvent::kPut) {
      apply(ev.config);
    }
    // A deleted monitor leaves through its assignment (the director drops it).
  }
}

void Manager::arrived(const std::vector<std::string>& names) {
  if (options_.on_arrived && !names.empty()) {
    options_.on_arrived(names, arriving_seeds_);
  }
  arriving_seeds_.clear();
}

size_t Manager::removeLeft(const std::set<std::string>& previous) {
  size_t removed = 0;
  for (const auto& name : previous) {
    if (!owned_.contains(name)) {
      removeFromEngine(name);
      {
        std::lock_guard lock(specs_mu_);
        specs_.erase(name);
      }
      rejected_.erase(name);
      if (options_.on_removed) {
        options_.on_removed(name);
      }
      removed++;
    }
  }
  return removed;
}

void Manager::reconcile(const std::set<std::string>& previous, size_t moved_out, bool all_owned) {
  size_t started = 0;
  for (const auto& name : owned_) {
    const bool is_new = !previous.contains(name);
    if (all_owned || is_new) {
      run(name, is_new);
      started++;
    }
  }
  if (moved_out + started >= kTrimAfterMoving) {
    // Many checks left or came (a cold start, a member leaving or joining): parsing them,
    // and the checks that left, freed heap that would otherwise stay in this member's RSS
    // (~0.5 KiB per check at 100,000). Trimmed once the engine workers have taken them in.
    trim_timer_.expires_after(kTrimDelay);
    trim_timer_.async_wait(lifetime_.guard([](const boost::system::error_code& ec) {
      if (!ec) {
        common::releaseFreedMemory();
      }
    }));
  }
}

void Manager::acceptSpec(const std::string& name, const std::string& text) {
  config::Problems problems;
  std::optional<config::MonitorSpec> spec;
  std::string all;
  auto value = store::decodeJson(text);
  if (!value) {
    // Say what is wrong with the text, not what a null would be ("expected a map, got null").
    all = fmt::format("monitor '{}': {}: {}", name, store_->keys().monitor(name),
                      common::printable(value.error().message));
  } else {
    // A replica (`web@eu-west`) runs its check's monitor (`web`).
    spec = config::parseMonitor(store::Keys::monitorNameOf(name), *value, problems);
    for (const auto& p : problems) {
      all += (all.empty() ? "" : "; ") + p.toString();
    }
  }
  if (!spec) {
    if (auto r = rejected_.find(name); r != rejected_.end() && r->second == all) {
      return;  // reported already (the same value read again)
    }
    rejected_[name] = all;
    spdlog::error("manager: rejected: {} (keeping the last good spec, if any)", all);
    if (options_.on_rejected) {
      options_.on_rejected(name, all);
    }
    return;
  }
  rejected_.erase(name);
  auto shared = config::shareMonitor(std::move(*spec));
  if (name.find('@') != std::string::npos) {
    shared = locations::replicaSpecOf(*shared, name);  // the monitor, run as its replica
  }
  std::lock_guard lock(specs_mu_);
  auto& held = specs_[name];
  if (!held || !config::sameMonitor(*held, *shared)) {
    held = std::move(shared);  // an unchanged value keeps the spec the engine runs
  }
}

config::SharedMonitor Manager::monitorOf(const std::string& name) const {
  std::lock_guard lock(specs_mu_);
  auto it = specs_.find(name);
  return it != specs_.end() ? it->second : nullptr;
}

void Manager::run(const std::string& name, bool is_new) {
  auto it = specs_.find(name);
  if (it == specs_.end()) {
    return;  // assigned but not (yet) visible or valid: the monitors watch will bring it
  }
  config::SharedMonitor spec = it->second;
  if (spec->locations.any() && name.find('@') == std::string::npos) {
    // The check itself, placed with one of its replicas: its judge (docs/locations.md). The
    // dispatcher still asks monitorOf() for the monitor as written.
    spec = locations::judgeSpecOf(*spec);
  }
  std::optional<state::Seed> seed;
  std::optional<common::SystemTime> last_run;
  if (is_new) {
    // Continue from the state the previous owner left (if any), and at once if it missed a
    // due time while it moved.
    if (auto s = seeds_.find(name); s != seeds_.end()) {
      seed = s->second;
      seeds_.erase(s);
    }
    if (auto r = last_runs_.find(name); r != last_runs_.end()) {
      last_run = r->second;
      last_runs_.erase(r);
    }
  }
  std::lock_guard lock(engine_mu_);
  if (halted_) {
    return;  // lease lost: stopAll() is on its way
  }
  engine_->upsert(std::move(spec), seed, last_run);
}

void Manager::removeFromEngine(const std::string& name) {
  std::lock_guard lock(engine_mu_);
  engine_->remove(name);
}

void Manager::halt() {
  std::lock_guard lock(engine_mu_);
  halted_ = true;
  engine_->removeAll();
  // The gauge, not owned_: this may run on any thread. (The engine's own count would miss
  // upserts still queued for its workers.)
  if (const int64_t owned = owned_count_.value(); owned > 0) {
    spdlog::warn("manager: lease lost: {} check(s) stopped at once", owned);
  }
}

}  // namespace ninevolt::cluster
