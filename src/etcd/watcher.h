#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "etcd/client.h"

namespace ninevolt::etcd {

struct WatchEvent {
  enum Type { kPut, kDelete };
  Type type = kPut;
  KeyValue kv;  // for kDelete: key and mod_revision only
};

struct WatchUpdate {
  enum Kind {
    kEvents,        // events happened; revision = revision of the last one
    kResync,        // history was compacted: snapshot = the whole watched range now,
                    // at revision; drop what you knew and take this
    kDisconnected,  // the stream broke (error says why); the watcher reconnects itself
    kReconnected,   // watching again, resumed from the last seen revision (no gap)
  };
  Kind kind = kEvents;
  std::vector<WatchEvent> events;
  std::vector<KeyValue> snapshot;
  int64_t revision = 0;
  Error error;
};

// Watches a key or prefix from a revision, resuming after disconnects from the last
// revision seen and re-listing the range after compaction (reported as kResync).
//
// on_update is called on the watcher's own thread, one update at a time, in revision
// order. After the destructor returns no further call happens (do not destroy the watcher
// from inside on_update; post the destruction to another thread/loop instead).
class Watcher {
 public:
  struct Options {
    std::string key;
    bool prefix = true;
    int64_t start_revision = 0;  // first revision to deliver; 0 = changes after now
    std::function<void(const WatchUpdate&)> on_update;
  };

  Watcher(std::shared_ptr<Client> client, Options options);
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Resolves once the watch is registered with etcd (or fails after the call timeout):
  // a write made after this returned true will be seen.
  bool waitUntilWatching(std::chrono::milliseconds timeout);
  int64_t lastRevision() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ninevolt::etcd
