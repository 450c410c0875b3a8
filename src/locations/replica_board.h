#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "etcd/watcher.h"
#include "locations/rows.h"
#include "store/store.h"

namespace ninevolt::locations {

// This member's copy of the live members' locations and of every replica's state
// (/9volt/location-state/), kept by two watches, for the judges this member runs. One per
// process, shared by the judges of every engine loop; it reads etcd (on a thread of its own)
// when the first judge asks, so a member that judges nothing holds nothing. Thread-safe.
class ReplicaBoard {
 public:
  explicit ReplicaBoard(std::shared_ptr<store::Store> store);
  ~ReplicaBoard();
  ReplicaBoard(const ReplicaBoard&) = delete;
  ReplicaBoard& operator=(const ReplicaBoard&) = delete;

  struct Look {
    // False until read once, and while a watch is broken: the rows may be stale, and a judge
    // gives no verdict from them.
    bool synced = false;
    std::vector<LocationRow> rows;
  };
  Look look(const std::string& check, const config::LocationList& list,
            std::string_view member_tag);

 private:
  void load();  // on thread_: read everything, then watch (retried until stopped)
  void onMembers(const etcd::WatchUpdate& u);
  void onStates(const etcd::WatchUpdate& u);
  void putMember(const etcd::KeyValue& kv);  // with mu_ held
  void putState(const etcd::KeyValue& kv);   // with mu_ held
  void eraseState(const std::string& key);   // with mu_ held

  std::shared_ptr<store::Store> store_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopped_ = false;
  bool loading_ = false;
  bool members_broken_ = false;  // that watch is disconnected now
  bool states_broken_ = false;
  bool synced_ = false;
  Sites sites_;
  // Replica states by check, then location.
  std::map<std::string, ReplicaStates, std::less<>> states_;
  std::unique_ptr<etcd::Watcher> members_watch_;
  std::unique_ptr<etcd::Watcher> states_watch_;
  std::thread thread_;  // "9v-locations", started with the first look
};

}  // namespace ninevolt::locations
