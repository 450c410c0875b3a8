#include "store/incident.h"

#include <algorithm>
#include <limits>

#include "store/untrusted.h"

namespace ninevolt::store {
const char* notificationKindName(NotificationKind kind) {
  switch (kind) {
    case NotificationKind::kWarning:
      return "warning";
    case NotificationKind::kCritical:
      return "critical";
    case NotificationKind::kResolve:
      return "resolve";
  }
  return "critical";
}

std::optional<NotificationKind> parseNotificationKind(std::string_view name) {
  for (auto k :
       {NotificationKind::kWarning, NotificationKind::kCritical, NotificationKind::kResolve}) {
    if (name == notificationKindName(k)) {
      return k;
    }
  }
  return std::nullopt;
}

bool Incident::finished() const {
  return resolved() && std::all_of(alerters.begin(), alerters.end(), [](const auto& a) {
           return a.second.kind == NotificationKind::kResolve && a.second.settled()
                  && !a.second.suppressed;
         });
}

nlohmann::json Incident::toJson() const {
  nlohmann::json told = nlohmann::json::object();
  for (const auto& [name, t] : alerters) {
    told[name] = {{"kind", notificationKindName(t.kind)},
                  {"transition", t.transition_id},
                  {"delivered", t.delivered},
                  {"failed", t.failed}};
    if (t.suppressed) {
      told[name]["suppressed"] = {{"kind", notificationKindName(t.suppressed->kind)},
                                  {"transition", t.suppressed->transition_id},
                                  {"by", t.suppressed->by}};
      if (t.suppressed->quiet) {
        told[name]["suppressed"]["quiet"] = true;
      }
    }
  }
  return {{"check", check},
          {"id", id},
          {"seq", seq},
          {"status", std::string(state::stateName(status))},
          {"resolved", resolved()},
          {"count", count},
          {"last_failing", std::string(state::stateName(last_failing))},
          {"owner", owner},
          {"error", error},
          {"opened", common::formatRfc3339Micros(opened)},
          {"updated", common::formatRfc3339Micros(updated)},
          {"alerters", told}};
}

Result<Incident> Incident::fromJson(const nlohmann::json& j) {
  try {
    Incident i;
    i.check = j.at("check").get<std::string>();
    i.id = j.at("id").get<std::string>();
    i.seq = static_cast<int>(countIn(j.at("seq"), "seq", std::numeric_limits<int>::max()));
    auto status = state::parseStateName(j.at("status").get<std::string>());
    if (!status) {
      return fail(Errc::kInvalidArgument, "incident: unknown status");
    }
    i.status = *status;
    i.count =
        j.contains("count")
            ? static_cast<int>(countIn(j.at("count"), "count", std::numeric_limits<int>::max()))
            : 0;
    if (auto lf = state::parseStateName(j.value("last_failing", "critical"))) {
      i.last_failing = *lf;
    }
    i.owner = j.value("owner", "");
    i.error = j.value("error", "");
    if (auto t = common::parseRfc3339(j.value("opened", ""))) {
      i.opened = *t;
    }
    if (auto t = common::parseRfc3339(j.value("updated", ""))) {
      i.updated = *t;
    }
    for (const auto& [name, t] : j.at("alerters").items()) {
      auto kind = parseNotificationKind(t.at("kind").get<std::string>());
      if (!kind) {
        return fail(Errc::kInvalidArgument, "incident: alerter '" + name + "': unknown kind");
      }
      Told told{*kind, t.at("transition").get<std::string>(), t.value("delivered", false),
                t.value("failed", false)};
      if (t.contains("suppressed")) {
        const auto& s = t.at("suppressed");
        auto skind = parseNotificationKind(s.at("kind").get<std::string>());
        if (!skind) {
          return fail(Errc::kInvalidArgument,
                      "incident: alerter '" + name + "': suppressed: unknown kind");
        }
        told.suppressed = Suppressed{*skind, s.at("transition").get<std::string>(),
                                     s.at("by").get<std::string>(), s.value("quiet", false)};
      }
      i.alerters[name] = std::move(told);
    }
    return i;
  } catch (const nlohmann::json::exception& e) {
    return fail(Errc::kInvalidArgument, std::string("incident: ") + e.what());
  }
}

Result<Incident> decodeIncident(std::string_view text) {
  return decodeRecord<Incident>(text);
}

}  // namespace ninevolt::store
