#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "etcd/client.h"
#include "store/keys.h"

namespace ninevolt::store {

// The claim a director's writes carry: the director key's create revision and value when it
// won (or adopted) the key. A write fenced with it is one txn with these two compares, so a
// member that lost the key (expired lease, another director) writes nothing at all.
struct DirectorFence {
  int64_t create_revision = 0;
  std::string value;
};

// The writes only the director makes, collected and then applied by
// Store::writeAsDirector in txns within etcd's request limits, each fenced.
class DirectorWrites {
 public:
  explicit DirectorWrites(const Keys& keys) : keys_(&keys) {}

  // An assignment shard (assignment_shard.h) and its removal.
  void putShard(std::string_view member, std::string_view shard, std::string text);
  void deleteShard(std::string_view member, std::string_view shard);
  // What is deleted with a monitor: its state and its push record.
  void deleteCheckRecords(std::string_view check);
  // One location replica's state (`<check>@<location>`): its location left the check's list.
  void deleteReplicaState(std::string_view replica);
  // The director key itself: moved to a new lease, or handed over.
  void putDirectorKey(std::string value, int64_t lease);
  void deleteDirectorKey();

  size_t size() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }
  const std::vector<etcd::TxnOp>& ops() const { return ops_; }

 private:
  const Keys* keys_;
  std::vector<etcd::TxnOp> ops_;
};

}  // namespace ninevolt::store
