#include "store/event.h"

#include <algorithm>

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
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) {
    return fail(Errc::kInvalidArgument, "event without a type");
  }
  auto text = [&](const char* field) {
    return j.contains(field) && j[field].is_string() ? j[field].get<std::string>() : "";
  };
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
  if (!j.is_object() || !j.contains("id") || !j["id"].is_number_integer()) {
    return fail(Errc::kInvalidArgument, "event lease record without an id");
  }
  EventLeaseRecord r;
  r.id = j["id"].get<int64_t>();
  r.ttl_seconds = j.value("ttl", int64_t{0});
  r.granted = j.value("granted", "");
  return r;
}

}  // namespace ninevolt::store
