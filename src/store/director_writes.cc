#include "store/director_writes.h"

namespace ninevolt::store {

void DirectorWrites::putShard(std::string_view member, std::string_view shard, std::string text) {
  ops_.push_back(etcd::TxnOp::put(keys_->assignmentShard(member, shard), std::move(text)));
}

void DirectorWrites::deleteShard(std::string_view member, std::string_view shard) {
  ops_.push_back(etcd::TxnOp::del(keys_->assignmentShard(member, shard)));
}

void DirectorWrites::deleteCheckRecords(std::string_view check) {
  ops_.push_back(etcd::TxnOp::del(keys_->state(check)));
  // A push check's last push: a monitor made again under the name starts afresh.
  ops_.push_back(etcd::TxnOp::del(keys_->push(check)));
  // Its replicas' states (docs/locations.md): every `<check>@<location>`.
  ops_.push_back(etcd::TxnOp::del(keys_->locationStates(check), /*prefix=*/true));
}

void DirectorWrites::deleteReplicaState(std::string_view replica) {
  ops_.push_back(etcd::TxnOp::del(keys_->state(replica)));
}

void DirectorWrites::putDirectorKey(std::string value, int64_t lease) {
  ops_.push_back(etcd::TxnOp::put(keys_->director(), std::move(value), lease));
}

void DirectorWrites::deleteDirectorKey() {
  ops_.push_back(etcd::TxnOp::del(keys_->director()));
}

}  // namespace ninevolt::store
