#pragma once

// The director key's value (/9volt/cluster/director, on the director's lease): which member
// directs, and since when. Written by the election (cluster/director_election.cc), read by
// it, by GET /api/v1/cluster and by the stream, all through this one type.

#include <string>
#include <string_view>

#include "common/result.h"

namespace ninevolt::store {

struct DirectorRecord {
  std::string id;     // the member's id: never empty, at most kMaxIdLength bytes
  std::string since;  // RFC 3339, when it became director (as written: shown, not parsed)

  static constexpr size_t kMaxIdLength = 256;
};

// {"id": ..., "since": ...}, exactly what the fence compares: the election keeps the text it
// wrote.
std::string directorText(const DirectorRecord& record);
// Never throws: not a JSON object, no id, an id that is not a string, empty or too long is
// an error saying which; "since" is optional (a string when present).
Result<DirectorRecord> decodeDirector(std::string_view text);

}  // namespace ninevolt::store
