#include "store/director_record.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/yaml_json.h"
#include "store/untrusted.h"

namespace ninevolt::store {

std::string directorText(const DirectorRecord& record) {
  return nlohmann::json{{"id", record.id}, {"since", record.since}}.dump();
}

Result<DirectorRecord> decodeDirector(std::string_view text) {
  auto j = decodeObject(text);
  if (!j) {
    return tl::unexpected(j.error());
  }
  auto id = j->find("id");
  if (id == j->end() || !id->is_string()) {
    return fail(Errc::kInvalidArgument,
                id == j->end() ? std::string("no id")
                               : fmt::format("id: expected a string, got {}", describeType(*id)));
  }
  DirectorRecord r;
  r.id = id->get<std::string>();
  if (r.id.empty() || r.id.size() > DirectorRecord::kMaxIdLength) {
    return fail(Errc::kInvalidArgument, fmt::format("id: {} bytes; an id has 1 to {}", r.id.size(),
                                                    DirectorRecord::kMaxIdLength));
  }
  if (auto since = j->find("since"); since != j->end()) {
    if (!since->is_string()) {
      return fail(Errc::kInvalidArgument,
                  fmt::format("since: expected a string, got {}", describeType(*since)));
    }
    r.since = since->get<std::string>();
  }
  return r;
}

}  // namespace ninevolt::store
