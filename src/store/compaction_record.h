#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ninevolt::store {

// /9volt/cluster/compaction: {member, unix}, written by the director's compactor (a fenced
// txn) each time it compacts etcd. Its mod revision is the revision of that moment, and
// `unix` when it was: the next compaction, an interval later, compacts up to it
// (cluster/compactor.h).
struct CompactionRecord {
  std::string member;  // who wrote it ("" when absent: not needed to judge the record's age)
  int64_t unix = 0;    // seconds
};
std::string compactionText(const CompactionRecord& record);
// The record as etcd holds it (untrusted): an object with an integer `unix`.
Result<CompactionRecord> decodeCompaction(std::string_view text);

}  // namespace ninevolt::store
