#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "etcd/client.h"
#include "etcd/lease_keeper.h"
#include "etcd/limits.h"
#include "etcd/watcher.h"
#include "store/check_state.h"
#include "store/compaction_record.h"
#include "store/confirm.h"
#include "store/director_record.h"
#include "store/director_writes.h"
#include "store/event.h"
#include "store/keys.h"
#include "store/member_digest.h"
#include "store/push.h"
#include "store/silence.h"
#include "store/untrusted.h"

namespace ninevolt::store {

// Which kind of user config an object is.
enum class ConfigKind { kMonitor, kAlerter, kMaintenance };
const char* configKindName(ConfigKind kind);  // "monitor" / "alerter" / "maintenance"

// A monitor or alerter as stored in etcd: the raw text, its parsed JSON (null when the
// value is not JSON, e.g. written by hand with etcdctl, and then `error` says why) and its
// revision, for compare-and-swap. Its name is always valid (config::validName): keys whose
// name is not are skipped by every Store read and reported through rejections().
struct StoredConfig {
  std::string name;
  std::string text;
  nlohmann::json value;  // null if text is not valid JSON
  std::string error;     // "not JSON: ..." / "empty value (not JSON)" when value is null
  int64_t mod_revision = 0;
};

struct ConfigSnapshot {
  std::map<std::string, StoredConfig> monitors;
  std::map<std::string, StoredConfig> alerters;
  std::map<std::string, StoredConfig> maintenance;  // maintenance windows
  int64_t revision = 0;                             // every map was read at this one revision

  std::map<std::string, StoredConfig>& of(ConfigKind kind);
  const std::map<std::string, StoredConfig>& of(ConfigKind kind) const;
};

// One write to the user config. expected_mod_revision guards against a concurrent change
// between reading and writing: 0 = the key must not exist; >0 = it must still be at that
// revision; -1 = no guard.
struct ConfigChange {
  enum Action { kPut, kDelete };
  Action action = kPut;
  ConfigKind kind = ConfigKind::kMonitor;
  std::string name;
  std::string value;  // JSON text for kPut
  int64_t expected_mod_revision = -1;
};

struct ApplyReport {
  size_t applied = 0;       // changes written
  size_t transactions = 0;  // etcd txns used
  int64_t revision = 0;     // revision after the last txn
};

// A change to monitors or alerters seen by watchConfigs().
struct ConfigEvent {
  enum Type { kPut, kDelete };
  Type type = kPut;
  ConfigKind kind = ConfigKind::kMonitor;
  StoredConfig config;  // for kDelete: name and mod_revision only
};

struct ConfigWatchUpdate {
  std::vector<ConfigEvent> events;
  // Set after etcd compacted the history we were watching from: `snapshot` is the whole
  // current set of that kind and replaces whatever the receiver knew.
  bool resync = false;
  std::map<std::string, StoredConfig> snapshot;
  int64_t revision = 0;
  // Connection state changes (events empty): the watch resumes by itself without gaps.
  bool disconnected = false;
  bool reconnected = false;
  std::string error;
};

// A member's record at /9volt/cluster/members/<id>, on the member's lease.
struct MemberInfo {
  std::string id;
  std::string hostname;
  std::string listen;
  std::vector<std::string> tags;
  // Where the member runs (--location: a site, region or network), "" for none. A valid name.
  std::string location;
  std::string version;
  std::string started;  // RFC 3339 UTC
  int64_t checks = 0;   // checks this member runs
  // Written just before the member revokes its lease on a clean stop: its record's deletion
  // that follows is a leave, not a loss (the cluster alerter is told of losses only).
  bool leaving = false;
  // Its canaries fail (cluster/canaries.h): its checks go to the others, its replicas count
  // for nothing, its failures are held.
  bool degraded = false;

  nlohmann::json toJson() const;
  // Never throws: a field of the wrong type is an error naming it.
  static Result<MemberInfo> fromJson(const nlohmann::json& j);
};

// A member record as read from etcd under `members_prefix`: a JSON object whose id is the
// key's name (a valid name) and which lives on a lease (a record on no lease is not a live
// member: checks placed on it would run nowhere, for ever).
Result<MemberInfo> decodeMember(std::string_view members_prefix, const etcd::KeyValue& kv);

// One key as read, with the revision of the read (also when the key is absent).
struct KeyRead {
  std::optional<etcd::KeyValue> kv;
  int64_t revision = 0;
};

// The records a placement starts from, read in one txn: every member record, the director
// key and every assignment shard. Values are as stored (their readers decode them).
struct ClusterRead {
  std::vector<etcd::KeyValue> members;
  std::optional<etcd::KeyValue> director;
  std::vector<etcd::KeyValue> shards;  // keys under allAssignmentsPrefix()
  int64_t revision = 0;
};

// The per-check records kept under a prefix of their own, one key per check name.
// kLocationState: the replicas' states (`<check>@<location>`, Keys::locationStatePrefix).
enum class RecordKind { kMonitor, kState, kIncident, kPush, kLocationState };
const char* recordKindName(RecordKind kind);  // "monitor", "state", "incident", "push",
                                              // "location-state"

// What etcd holds about one check, each nullopt when absent.
struct CheckRecords {
  std::optional<etcd::KeyValue> monitor;
  std::optional<etcd::KeyValue> state;
  std::optional<etcd::KeyValue> incident;
};

// A page of monitors in name order and the states of the same name range, read at one
// revision (see Store::readCheckPage).
struct CheckPage {
  std::vector<etcd::KeyValue> monitors;
  std::vector<etcd::KeyValue> states;
  int64_t revision = 0;
  bool more = false;  // monitors past this page
};

// The answer to Store::putStates.
struct StatesWrite {
  bool written = false;           // every state was written
  std::vector<std::string> gone;  // not written: the monitor does not exist (any more)
};

// What Store::watchSilences() hands on.
struct SilenceWatchUpdate {
  // Changed silences in revision order; nullopt = deleted (or no longer a valid silence).
  std::vector<std::pair<std::string, std::optional<Silence>>> changes;
  // After compaction: `snapshot` is every silence now and replaces what the receiver knew.
  bool resync = false;
  std::map<std::string, Silence> snapshot;
  int64_t revision = 0;
};

// Typed access to 9volt's data in etcd. Thread-safe (the client is). Every etcd call 9volt
// makes at run time goes through here: components name what they read or write, and the
// keys, txns and request limits stay in this folder.
class Store {
 public:
  Store(std::shared_ptr<etcd::Client> client, std::string_view prefix);

  const Keys& keys() const { return keys_; }
  // Where every reader of this store reports the keys and values it skipped (see
  // untrusted.h); the app points it at the event log. Shared by copies of this Store.
  Rejections& rejections() const { return *rejections_; }
  // etcd's own status (the health probe); a Store on a new client to the same endpoints whose
  // calls give up after call_timeout (nullptr if that client cannot be made).
  Result<etcd::StatusInfo> status();
  std::shared_ptr<Store> withCallTimeout(std::chrono::milliseconds call_timeout) const;

  // All monitors, alerters and maintenance windows, read at one revision (one txn). Keys with an
  // invalid name are skipped and reported; values are kept as they are (their readers judge them).
  Result<ConfigSnapshot> loadConfigs();

  // Writes the changes atomically when they fit in one txn (etcd allows 128 operations and
  // 1.5 MiB per request: kMaxTxnOps, kMaxTxnBytes), else in several, ordered so no monitor ever
  // names a deleted alerter: alerter puts, monitor puts, monitor deletes, alerter deletes. A failed
  // guard is Errc::kConflict and the report says how many changes were applied before it.
  Result<ApplyReport> applyConfigChanges(const std::vector<ConfigChange>& changes,
                                         ApplyReport* partial = nullptr);

  // One monitor or alerter. get: nullopt when absent.
  Result<std::optional<StoredConfig>> getConfig(ConfigKind kind, const std::string& name);
  Result<int64_t> putConfig(ConfigKind kind, const std::string& name, const std::string& json);
  Result<bool> deleteConfig(ConfigKind kind, const std::string& name);  // false: was absent

  // Watches every monitor (or alerter) from from_revision (0 = from now). The callback runs
  // on the watcher's thread (see etcd::Watcher); destroy the watcher to stop.
  std::unique_ptr<etcd::Watcher> watchConfigs(
      ConfigKind kind, int64_t from_revision,
      std::function<void(const ConfigWatchUpdate&)> on_update);

  Result<int64_t> putMember(const MemberInfo& member, int64_t lease);
  // A member's digest (member_digest.h), on its lease.
  Result<int64_t> putMemberDigest(const MemberDigest& digest, int64_t lease);
  // Live members; records that do not decode (decodeMember) are skipped and reported.
  Result<std::vector<MemberInfo>> listMembers();

  // Creates /9volt/config with the given defaults if it does not exist; returns the value
  // now stored (the existing one if present) and, if asked, the revision it was read at.
  Result<nlohmann::json> ensureClusterConfig(const nlohmann::json& defaults,
                                             int64_t* revision = nullptr);

  // --- The event log (store_events.cc; events::EventLog is the writer) ---
  // Creates the events in one txn, each only if its key does not exist yet, all on `lease`:
  // true = all written; false = some key existed already and nothing was written. At most
  // kMaxEventsPerTxn events per call.
  Result<bool> createEvents(const std::vector<StoredEvent>& events, int64_t lease);
  // See EventFilter: newest first, read in pages at one revision, stopping at `limit`.
  // Values that are not events (written by hand) are skipped and reported.
  Result<std::vector<StoredEvent>> listEvents(const EventFilter& filter);
  Result<int64_t> countEvents();
  // Deletes the oldest events so that at most `keep` remain (one range delete); returns how
  // many went.
  Result<int64_t> trimEvents(int64_t keep);
  // The shared retention lease record (nullopt when there is none yet).
  Result<std::optional<EventLeaseRecord>> getEventLease();
  // Stores `record` if the stored one is still at expected_mod_revision (0 = still absent);
  // false when another member replaced it first.
  Result<bool> replaceEventLease(const EventLeaseRecord& record, int64_t expected_mod_revision);

  // --- Push records (store_push.cc; store/push.h) ---
  // Stores the record of a push just accepted (the newest push wins), only while the monitor
  // exists: false when it does not (nothing written).
  Result<bool> putPush(const std::string& check, const PushRecord& record);
  // The record; nullopt when there is none (or its value does not decode: reported).
  Result<std::optional<PushRecord>> getPush(const std::string& check);
  // The record, after creating {armed: now} when there was none (or only a value that does
  // not decode): the time a never-pushed check's deadline counts from, for every owner.
  // Errc::kNotFound when the monitor is gone (nothing written).
  Result<PushRecord> armPush(const std::string& check, common::SystemTime now);
  // Every record, read in pages at one revision; watch from that revision + 1.
  Result<std::pair<std::map<std::string, PushRecord>, int64_t>> loadPushes();
  // Watches every record from from_revision; the callback runs on the watcher's thread.
  std::unique_ptr<etcd::Watcher> watchPushes(int64_t from_revision,
                                             std::function<void(const PushWatchUpdate&)> on_update);

  // --- Leases and members (store_cluster.cc) ---
  Result<int64_t> grantLease(std::chrono::seconds ttl);
  Result<void> revokeLease(int64_t lease);
  Result<etcd::LeaseInfo> leaseInfo(int64_t lease);  // its TTL left (Errc::kNotFound: gone)
  // Keeps the lease alive until destroyed; on_lost runs on the keeper's thread.
  std::unique_ptr<etcd::LeaseKeeper> keepLease(int64_t lease, std::chrono::seconds ttl,
                                               std::function<void(const Error&)> on_lost);
  // The ids of the live members (their record keys; the values are not read).
  Result<std::set<std::string>> liveMemberIds();
  // The lease a member's record is on; nullopt when there is no such record.
  Result<std::optional<int64_t>> memberLease(const std::string& id);
  std::unique_ptr<etcd::Watcher> watchMembers(int64_t from_revision,
                                              std::function<void(const etcd::WatchUpdate&)> cb);
  // Watches /9volt/config (the cluster settings).
  std::unique_ptr<etcd::Watcher> watchClusterConfig(
      int64_t from_revision, std::function<void(const etcd::WatchUpdate&)> cb);
  Result<ClusterRead> readCluster();
  // The live members and every location replica's state (docs/locations.md), in one txn at
  // one revision: what a judge of locations starts from. Values as stored.
  struct LocationRead {
    std::vector<etcd::KeyValue> members;
    std::vector<etcd::KeyValue> states;  // under Keys::locationStatePrefix()
    int64_t revision = 0;
  };
  Result<LocationRead> readLocations();
  // Confirmations (store/confirm.h). The request on the asker's lease, the answer on the
  // answerer's; the asker deletes both (forgetConfirmation).
  Result<void> askConfirmation(const std::string& to, const ConfirmRequest& request, int64_t lease);
  Result<void> answerConfirmation(const ConfirmReply& reply, const std::string& to, int64_t lease);
  Result<void> forgetConfirmation(const std::string& to, const std::string& from,
                                  const std::string& id);
  // Requests to `me` and answers to `me`, from now on (values as stored).
  std::unique_ptr<etcd::Watcher> watchConfirmRequests(
      const std::string& me, std::function<void(const etcd::WatchUpdate&)> cb);
  std::unique_ptr<etcd::Watcher> watchConfirmAnswers(
      const std::string& me, std::function<void(const etcd::WatchUpdate&)> cb);
  // The replica states of each of `checks` (every `<check>@<location>` key), in txns of up
  // to 100 prefix reads at one revision each; one entry per check, in order.
  Result<std::vector<std::vector<etcd::KeyValue>>> readReplicaStates(
      const std::vector<std::string>& checks);
  std::unique_ptr<etcd::Watcher> watchLocationStates(
      int64_t from_revision, std::function<void(const etcd::WatchUpdate&)> cb);

  // --- Assignments (store_cluster.cc) ---
  Result<etcd::RangeResult> readAssignments(const std::string& member);
  std::unique_ptr<etcd::Watcher> watchAssignments(const std::string& member, int64_t from_revision,
                                                  std::function<void(const etcd::WatchUpdate&)> cb);
  std::unique_ptr<etcd::Watcher> watchAllAssignments(
      int64_t from_revision, std::function<void(const etcd::WatchUpdate&)> cb);

  // --- The director key and the director's writes (store_director.cc) ---
  // Creates the key with `value` on `lease` if it is absent; else reads it. won: it was
  // created; else `holder` is the key as it is.
  struct Campaign {
    bool won = false;
    std::optional<etcd::KeyValue> holder;
    int64_t revision = 0;
  };
  Result<Campaign> campaignForDirector(const std::string& value, int64_t lease);
  Result<KeyRead> readDirectorKey();
  std::unique_ptr<etcd::Watcher> watchDirectorKey(int64_t from_revision,
                                                  std::function<void(const etcd::WatchUpdate&)> cb);
  // Puts the key's value on `lease` if the key is still exactly `kv` (created at its create
  // revision, same value): the revision written at, or nullopt when it changed.
  Result<std::optional<int64_t>> moveDirectorKey(const etcd::KeyValue& kv, int64_t lease);
  // Deletes the key if it is still at mod_revision: the revision of the delete, or nullopt
  // when it changed meanwhile.
  Result<std::optional<int64_t>> deleteDirectorKeyAt(int64_t mod_revision);
  // Applies the writes in txns within etcd's limits (kMaxTxnOps, kMaxTxnBytes), each fenced:
  // true = all written; false = fenced out (that txn wrote nothing; the ones before it did).
  // before_each runs before each txn. Stops at the first error.
  Result<bool> writeAsDirector(const DirectorFence& fence, const DirectorWrites& writes,
                               const std::function<void()>& before_each = {});
  // The compaction record (compaction_record.h); written by the director only while the
  // record is still at expected_mod_revision (0 = absent): false when the fence or the
  // record changed. compact() discards etcd's history before `revision`.
  Result<KeyRead> readCompactionRecord();
  Result<bool> putCompactionRecord(const DirectorFence& fence, const CompactionRecord& record,
                                   int64_t expected_mod_revision);
  Result<void> compact(int64_t revision);
  // The watchdog's record (Keys::watchdog(): a CompactionRecord's {member, unix} format),
  // written like the compaction record: fenced, and only over the mod revision read.
  Result<KeyRead> readWatchdogRecord();
  Result<bool> putWatchdogRecord(const DirectorFence& fence, const CompactionRecord& record,
                                 int64_t expected_mod_revision);

  // --- Per-check records (store_checks.cc) ---
  std::string prefixOf(RecordKind kind) const;
  // The monitor, state and incident of each name (in order), 40 names per txn.
  Result<std::vector<CheckRecords>> readCheckRecords(const std::vector<std::string>& names);
  // Every record of a kind, read in pages of page_size at one revision (started over if etcd
  // compacts that revision meanwhile).
  Result<etcd::RangeResult> listRecords(RecordKind kind, int64_t page_size);
  // The same, a page at a time at `revision` (0: the first page's), memory bounded by a page.
  Result<int64_t> forEachRecordPage(RecordKind kind, int64_t page_size, int64_t revision,
                                    const std::function<void(std::vector<etcd::KeyValue>&)>& take);
  // The keys of every record of a kind at `revision`, without values.
  Result<etcd::RangeResult> listRecordKeys(RecordKind kind, int64_t revision);
  // Up to `limit` monitors from key `from` (inclusive) to `end` (exclusive), and the states of
  // the same name range, at `revision` (0: now).
  Result<CheckPage> readCheckPage(const std::string& from, const std::string& end, int64_t limit,
                                  int64_t revision);
  // One check's state key (nullopt: none, or not a state: reported through rejections()).
  Result<std::optional<CheckStateRecord>> getState(const std::string& check);
  // Writes the states in one txn, each only while its monitor exists: when one does not, none
  // is written and `gone` names the missing monitors. Keep it within kMaxTxnOps/kMaxTxnBytes.
  Result<StatesWrite> putStates(const std::vector<CheckStateRecord>& states);
  // The bytes a put of this config takes in an etcd request (to check a request fits).
  size_t configPutBytes(ConfigKind kind, const std::string& name, const std::string& value) const;
  // Every monitor (or alerter) with the revision read at; bad names skipped and reported.
  Result<std::pair<std::map<std::string, StoredConfig>, int64_t>> listConfigs(ConfigKind kind);

  // --- Events and the stream (store_events.cc) ---
  // Whether the key holds exactly this event (an earlier try of the same write landed).
  Result<bool> eventStored(const StoredEvent& event);
  // Watches everything under the root (the live stream).
  std::unique_ptr<etcd::Watcher> watchEverything(int64_t from_revision,
                                                 std::function<void(const etcd::WatchUpdate&)> cb);
  // Whether etcd can still be read at `revision`: an error of Errc::kCompacted when that
  // history is gone.
  Result<void> readableAt(int64_t revision);

  // --- Silences (store_silence.cc; store/silence.h) ---
  // Creates it (a valid silence, ending after `now`) on a lease of its own that ends
  // Silence::kKeptAfterEnd after it; false when the id is taken (nothing written).
  Result<bool> createSilence(const Silence& silence, common::SystemTime now);
  Result<std::optional<Silence>> getSilence(const std::string& id);
  Result<int64_t> countSilences();  // keys under /9volt/silence/ (expired ones too)
  // false when there was none. Revokes its lease (which deletes it).
  Result<bool> deleteSilence(const std::string& id);
  // Every silence (expired ones too, until etcd drops them), read at one revision; values
  // that are not silences are skipped and reported.
  Result<std::pair<std::map<std::string, Silence>, int64_t>> listSilences();
  std::unique_ptr<etcd::Watcher> watchSilences(
      int64_t from_revision, std::function<void(const SilenceWatchUpdate&)> on_update);

  // --- Acks and cluster secrets (store_ack.cc) ---
  // The secret `name` every member shares: `candidate` (random bytes) if none exists yet,
  // else the one that does (whoever made it first).
  Result<std::string> clusterSecret(std::string_view name, const std::string& candidate);
  // Checks whose incident's ack changed (IncidentStore::acknowledge): a resync hands every
  // doorbell still there.
  std::unique_ptr<etcd::Watcher> watchAckDoorbells(
      int64_t from_revision, std::function<void(const std::vector<std::string>&)> on_checks);
  // Deletes it (revoking its lease).
  Result<void> deleteAckDoorbell(const std::string& check);

  static constexpr size_t kMaxTxnOps = 128;
  // Bytes of keys and values per txn: below etcd's default --max-request-bytes (1.5 MiB),
  // with room for the request's own framing.
  static constexpr size_t kMaxTxnBytes = etcd::kBytesPerRequest;
  static constexpr size_t kMaxEventsPerTxn = kMaxTxnOps / 2;  // a compare and a put each

 private:
  friend class IncidentStore;  // the incident records' reads and guarded writes (in this folder)
  friend class StormStore;     // the storm records' (alerts/storm.h), likewise

  std::string keyFor(ConfigKind kind, const std::string& name) const;
  std::string prefixFor(ConfigKind kind) const;
  Result<KeyRead> readKey(const std::string& key);
  // A {member, unix} record at `key`: fenced, and only over `expected_mod_revision` (0:
  // only if absent).
  Result<bool> putFencedRecord(const std::string& key, const DirectorFence& fence,
                               const CompactionRecord& record, int64_t expected_mod_revision);
  std::unique_ptr<etcd::Watcher> watch(std::string key, bool prefix, int64_t from_revision,
                                       std::function<void(const etcd::WatchUpdate&)> cb);

  std::shared_ptr<etcd::Client> client_;
  Keys keys_;
  std::shared_ptr<Rejections> rejections_ = std::make_shared<Rejections>();
};

}  // namespace ninevolt::store
