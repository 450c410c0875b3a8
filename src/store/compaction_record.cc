#include "store/compaction_record.h"

#include <nlohmann/json.hpp>

#include "common/json_fields.h"
#include "common/printable.h"
#include "store/untrusted.h"

namespace ninevolt::store {

std::string compactionText(const CompactionRecord& record) {
  return common::dumpJson(nlohmann::json{{"member", record.member}, {"unix", record.unix}});
}

Result<CompactionRecord> decodeCompaction(std::string_view text) {
  auto j = decodeObject(text);
  if (!j) {
    return tl::unexpected(j.error());
  }
  const nlohmann::json* unix_time = common::findField(*j, "unix");
  if (unix_time == nullptr || !unix_time->is_number_integer()) {
    return fail(Errc::kInvalidArgument, "no integer \"unix\"");
  }
  return CompactionRecord{common::stringField(*j, "member"), unix_time->get<int64_t>()};
}

}  // namespace ninevolt::store
