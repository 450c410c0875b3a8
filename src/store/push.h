#pragma once

// Push (heartbeat) records: /9volt/push/<check>, one per push check. The member that accepts
// a push (POST /api/v1/push/<check>) writes it before it answers, so a push counts whichever
// member took it and whichever member owns the check, even if one of them dies right after.
// The owner's check reads it (checks/push) and also writes it once, before any push came, to
// start the deadline where a later owner finds it.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/result.h"

namespace ninevolt::store {

struct PushRecord {
  // The last push, when there was one: when the accepting member took it, whether the job
  // said it failed, its message, and which member took it.
  std::optional<common::SystemTime> time;
  bool failed = false;
  std::string message;
  std::string member;
  // Before the first push: when an owner first judged the check (the deadline counts from
  // it, across owners). A push's record has none: from then on the push's time counts.
  std::optional<common::SystemTime> armed;

  // The longest message a push may carry (bytes of UTF-8).
  static constexpr size_t kMaxMessageBytes = 1024;

  nlohmann::json toJson() const;
  // Never throws: a field of the wrong type, a time that is not RFC 3339, a status other than
  // ok/fail or neither time nor armed is an error naming it.
  static Result<PushRecord> fromJson(const nlohmann::json& j);
};

// The text stored, and the reading of a stored value (untrusted: see untrusted.h).
std::string pushText(const PushRecord& record);
Result<PushRecord> decodePush(std::string_view text);

// What Store::watchPushes() hands on.
struct PushWatchUpdate {
  // Changed records in revision order; nullopt = deleted (or a value that did not decode,
  // reported to rejections()).
  std::vector<std::pair<std::string, std::optional<PushRecord>>> changes;
  // After compaction: `snapshot` is every record now and replaces what the receiver knew.
  bool resync = false;
  std::map<std::string, PushRecord> snapshot;
  int64_t revision = 0;
  // The watch broke (and resumes by itself, without gaps): records may be behind meanwhile.
  bool disconnected = false;
  bool reconnected = false;
};

}  // namespace ninevolt::store
