#include "store/event.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/json_fields.h"
#include "common/printable.h"
#include "common/yaml_json.h"
#include "store/untrusted.h"

namespace ninevolt::store {

nlohmann::json Event::toJson() const {
  nlohmann::json j{{"type", type},
                   {"message", message},
                   {"timestamp", common::formatRfc3339Micros(time)},
                   {"memberid", member_id}};
  if (!kind.empty()) {
    j["kind"] = kind;
  }
  if (!check.empty()) {
    j["check"] = check;
  }
  if (!member.empty()) {
    j["member"] = member;
  }
  return j;
}

Result<Event> Event::fromJson(const nlohmann::json& j) {
  if (!j.is_object()) {
    return fail(Errc::kInvalidArgument,
                fmt::format("expected a JSON object, got {}", describeType(j)));
  }
  const auto* type = common::findField(j, "type");
  if (type == nullptr || !type->is_string()) {
    return fail(Errc::kInvalidArgument, "event without a type");
  }
  for (const char* field : {"kind", "message", "memberid", "check", "member", "timestamp"}) {
    if (const auto* v = common::findField(j, field); v != nullptr && !v->is_string()) {
      return fail(Errc::kInvalidArgument,
                  fmt::format("{}: expected a string, got {}", field, describeType(*v)));
    }
  }
  auto text = [&](const char* field) { return common::stringField(j, field); };
  Event e;
  e.type = text("type");
  e.kind = text("kind");
  e.message = text("message");
  e.member_id = text("memberid");
  e.check = text("check");
  e.member = text("member");
  auto time = common::parseRfc3339(text("timestamp"));
  if (!time) {
    return fail(Errc::kInvalidArgument, "event timestamp: " + time.error().message);
  }
  e.time = *time;
  return e;
}

bool EventFilter::matches(const Event& event) const {
  // Stored times have microseconds; a finer `since` must not exclude its own microsecond.
  if (since && event.time < std::chrono::floor<std::chrono::microseconds>(*since)) {
    return false;
  }
  return types.empty() || std::any_of(types.begin(), types.end(), [&](const std::string& t) {
           return t == event.type || (!event.kind.empty() && t == event.kind);
         });
}

nlohmann::json EventLeaseRecord::toJson() const {
  return {{"id", id}, {"ttl", ttl_seconds}, {"granted", granted}};
}

Result<EventLeaseRecord> EventLeaseRecord::fromJson(const nlohmann::json& j) {
  const auto* id = common::findField(j, "id");
  if (id == nullptr || !id->is_number_integer()) {
    return fail(Errc::kInvalidArgument, "event lease record without an id");
  }
  EventLeaseRecord r;
  r.id = common::intField(j, "id", 0);
  r.ttl_seconds = common::intField(j, "ttl", 0);
  r.granted = common::stringField(j, "granted");
  return r;
}

std::string eventText(const Event& event) {
  return common::dumpJson(event.toJson());
}

Result<Event> decodeEvent(std::string_view text) {
  auto j = decodeJson(text);
  if (!j) {
    return tl::unexpected(j.error());
  }
  return Event::fromJson(*j);
}

}  // namespace ninevolt::store
