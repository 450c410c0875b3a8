#include "store/push.h"

#include <fmt/format.h>

#include "common/utf8.h"
#include "common/yaml_json.h"
#include "store/untrusted.h"

namespace ninevolt::store {
namespace {

// A stored message may be up to this long (what a push may carry, with room for a version
// that allows more); longer is not ours.
constexpr size_t kMaxStoredMessage = 4 * PushRecord::kMaxMessageBytes;

Result<std::optional<common::SystemTime>> timeField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    return std::optional<common::SystemTime>();
  }
  if (!it->is_string()) {
    return fail(Errc::kInvalidArgument,
                fmt::format("{}: expected an RFC 3339 time, got {}", key, describeType(*it)));
  }
  auto t = common::parseRfc3339(it->get<std::string>());
  if (!t) {
    return fail(Errc::kInvalidArgument, fmt::format("{}: {}", key, t.error().message));
  }
  return std::optional<common::SystemTime>(*t);
}

Result<std::string> textField(const nlohmann::json& j, const char* key, size_t max_bytes) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    return std::string();
  }
  if (!it->is_string()) {
    return fail(Errc::kInvalidArgument,
                fmt::format("{}: expected a string, got {}", key, describeType(*it)));
  }
  auto s = it->get<std::string>();
  if (s.size() > max_bytes) {
    return fail(Errc::kInvalidArgument,
                fmt::format("{}: {} bytes, at most {}", key, s.size(), max_bytes));
  }
  return s;
}

}  // namespace

nlohmann::json PushRecord::toJson() const {
  nlohmann::json j = nlohmann::json::object();
  if (time) {
    j["time"] = common::formatRfc3339Micros(*time);
    j["status"] = failed ? "fail" : "ok";
    j["message"] = message;
    j["member"] = member;
  }
  if (armed) {
    j["armed"] = common::formatRfc3339Micros(*armed);
  }
  return j;
}

Result<PushRecord> PushRecord::fromJson(const nlohmann::json& j) {
  if (!j.is_object()) {
    return fail(Errc::kInvalidArgument,
                fmt::format("expected a JSON object, got {}", describeType(j)));
  }
  PushRecord r;
  auto time = timeField(j, "time");
  if (!time) {
    return tl::unexpected(time.error());
  }
  r.time = *time;
  auto armed = timeField(j, "armed");
  if (!armed) {
    return tl::unexpected(armed.error());
  }
  r.armed = *armed;
  if (!r.time && !r.armed) {
    return fail(Errc::kInvalidArgument, "neither time (a push) nor armed (a deadline) is set");
  }
  auto status = textField(j, "status", 16);
  if (!status) {
    return tl::unexpected(status.error());
  }
  if (r.time && *status != "ok" && *status != "fail") {
    return fail(
        Errc::kInvalidArgument,
        fmt::format("status: expected \"ok\" or \"fail\", got \"{}\"", common::printable(*status)));
  }
  r.failed = *status == "fail";
  auto message = textField(j, "message", kMaxStoredMessage);
  if (!message) {
    return tl::unexpected(message.error());
  }
  r.message = std::move(*message);
  auto member = textField(j, "member", 256);
  if (!member) {
    return tl::unexpected(member.error());
  }
  r.member = std::move(*member);
  return r;
}

std::string pushText(const PushRecord& record) {
  return common::dumpJson(record.toJson());
}

Result<PushRecord> decodePush(std::string_view text) {
  return decodeRecord<PushRecord>(text);
}

}  // namespace ninevolt::store
