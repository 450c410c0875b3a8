#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ninevolt::store {

// /9volt/cluster/assignments/<member>/<shard>: the checks the director assigned a member,
// split by name hash into shards "00".."3f" (one key per non-empty shard, so a change
// rewrites only the shards it touches), each a JSON array of check names. Written by the
// director; read by the member's manager (what to run), the director (what to diff against)
// and GET /api/v1/cluster (how many per member).
inline constexpr uint32_t kAssignmentShards = 64;
std::string assignmentShardName(uint32_t shard);  // "00".."3f"
bool validAssignmentShardName(std::string_view shard);

// The check names of a shard's value, or why it is not a value the director could have
// written (not JSON, not an array, an item that is not a valid check name).
Result<std::vector<std::string>> decodeAssignmentShard(std::string_view text);

// Builds a shard's value name by name without a JSON tree (the director writes up to 64 per
// member each placement, from its flat view): addAssignmentName() for each name, then
// closeAssignmentShard() once; the text is what dumpJson would write for the array.
void addAssignmentName(std::string& text, std::string_view name);
void closeAssignmentShard(std::string& text);

}  // namespace ninevolt::store
