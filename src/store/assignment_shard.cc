#include "store/assignment_shard.h"

#include <fmt/format.h>

#include "common/printable.h"
#include "store/untrusted.h"

namespace ninevolt::store {

std::string assignmentShardName(uint32_t shard) {
  return fmt::format("{:02x}", shard);
}

bool validAssignmentShardName(std::string_view shard) {
  if (shard.size() != 2 || shard.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
    return false;
  }
  return std::stoul(std::string(shard), nullptr, 16) < kAssignmentShards;
}

Result<std::vector<std::string>> decodeAssignmentShard(std::string_view text) {
  auto j = decodeJson(text);
  if (!j) {
    return tl::unexpected(j.error());
  }
  if (!j->is_array()) {
    return fail(Errc::kInvalidArgument, "expected a list of check names");
  }
  std::vector<std::string> names;
  names.reserve(j->size());
  for (const auto& n : *j) {
    if (!n.is_string() || !entryProblem(n.get<std::string>()).empty()) {
      return fail(Errc::kInvalidArgument, "expected a list of check names");
    }
    names.push_back(n.get<std::string>());
  }
  return names;
}

void addAssignmentName(std::string& text, std::string_view name) {
  text += text.empty() ? '[' : ',';
  // Check names are [A-Za-z0-9._-] (replicas add an '@'), which need no escaping; anything else
  // goes through the JSON library, so the text is always valid JSON.
  if (entryProblem(name).empty()) {
    text += '"';
    text += name;
    text += '"';
  } else {
    text += common::dumpJson(nlohmann::json(std::string(name)));
  }
}

void closeAssignmentShard(std::string& text) {
  text += text.empty() ? "[]" : "]";
}

}  // namespace ninevolt::store
