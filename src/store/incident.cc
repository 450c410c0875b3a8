#include "store/incident.h"

#include <algorithm>
#include <limits>

#include "common/duration.h"
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
    case NotificationKind::kAck:
      return "ack";
    case NotificationKind::kReminder:
      return "reminder";
    case NotificationKind::kFlapping:
      return "flapping";
    case NotificationKind::kFlappingStopped:
      return "flapping-stopped";
    case NotificationKind::kDigest:
      return "digest";
  }
  return "critical";
}

std::optional<NotificationKind> parseNotificationKind(std::string_view name) {
  for (auto k :
       {NotificationKind::kWarning, NotificationKind::kCritical, NotificationKind::kResolve,
        NotificationKind::kAck, NotificationKind::kReminder, NotificationKind::kFlapping,
        NotificationKind::kFlappingStopped, NotificationKind::kDigest}) {
    if (name == notificationKindName(k)) {
      return k;
    }
  }
  return std::nullopt;
}

bool Incident::finished() const {
  return resolved() && !flapping
         && std::all_of(alerters.begin(), alerters.end(),
                        [](const auto& a) {
                          return a.second.kind == NotificationKind::kResolve && a.second.settled()
                                 && !a.second.suppressed;
                        })
         && std::all_of(follow_ups.begin(), follow_ups.end(),
                        [](const auto& f) { return f.second.settled(); });
}

namespace {

nlohmann::json toldJson(const Told& t) {
  nlohmann::json j = {{"kind", notificationKindName(t.kind)},
                      {"transition", t.transition_id},
                      {"delivered", t.delivered},
                      {"failed", t.failed}};
  if (t.reminders > 0) {
    j["reminders"] = t.reminders;
  }
  if (t.at != common::SystemTime{}) {
    j["at"] = common::formatRfc3339Micros(t.at);
  }
  if (!t.digest.empty()) {
    j["digest"] = t.digest;
  }
  if (t.alone) {
    j["alone"] = true;
  }
  if (t.suppressed) {
    j["suppressed"] = {{"kind", notificationKindName(t.suppressed->kind)},
                       {"transition", t.suppressed->transition_id},
                       {"by", t.suppressed->by}};
    if (t.suppressed->quiet) {
      j["suppressed"]["quiet"] = true;
    }
  }
  return j;
}

Result<Told> toldFromJson(const std::string& name, const nlohmann::json& t) {
  auto kind = parseNotificationKind(t.at("kind").get<std::string>());
  if (!kind || *kind == NotificationKind::kDigest) {  // a digest is no check's notification
    return fail(Errc::kInvalidArgument, "incident: alerter '" + name + "': unknown kind");
  }
  Told told{*kind, t.at("transition").get<std::string>(), t.value("delivered", false),
            t.value("failed", false)};
  if (t.contains("reminders")) {
    told.reminders =
        static_cast<int>(countIn(t.at("reminders"), "reminders", std::numeric_limits<int>::max()));
  }
  if (auto at = common::parseRfc3339(t.value("at", ""))) {
    told.at = *at;
  }
  told.digest = t.value("digest", "");
  told.alone = t.value("alone", false);
  if (told.digest.size() > 19 || !std::all_of(told.digest.begin(), told.digest.end(), [](char c) {
        return c >= '0' && c <= '9';
      })) {
    return fail(Errc::kInvalidArgument,
                "incident: alerter '" + name + "': digest: not a storm number");
  }
  if (t.contains("suppressed")) {
    const auto& s = t.at("suppressed");
    auto skind = parseNotificationKind(s.at("kind").get<std::string>());
    if (!skind || *skind == NotificationKind::kDigest) {
      return fail(Errc::kInvalidArgument,
                  "incident: alerter '" + name + "': suppressed: unknown kind");
    }
    told.suppressed = Suppressed{*skind, s.at("transition").get<std::string>(),
                                 s.at("by").get<std::string>(), s.value("quiet", false)};
  }
  return told;
}

nlohmann::json ackJson(const Ack& a) {
  nlohmann::json j = {{"by", a.by},
                      {"comment", a.comment},
                      {"at", common::formatRfc3339Micros(a.at)},
                      {"n", a.n},
                      {"announced", a.announced}};
  if (a.expires) {
    j["expires"] = common::formatRfc3339Micros(*a.expires);
  }
  return j;
}

Result<Ack> ackFromJson(const nlohmann::json& j) {
  Ack a;
  a.by = j.value("by", "");
  a.comment = j.value("comment", "");
  auto at = common::parseRfc3339(j.at("at").get<std::string>());
  if (!at) {
    return fail(Errc::kInvalidArgument, "incident: ack: at is not an RFC 3339 time");
  }
  a.at = *at;
  if (j.contains("expires") && !j.at("expires").is_null()) {
    auto e = common::parseRfc3339(j.at("expires").get<std::string>());
    if (!e) {
      return fail(Errc::kInvalidArgument, "incident: ack: expires is not an RFC 3339 time");
    }
    a.expires = *e;
  }
  a.n = static_cast<int>(countIn(j.at("n"), "ack n", std::numeric_limits<int>::max()));
  a.announced = j.value("announced", false);
  return a;
}

}  // namespace

nlohmann::json Incident::toJson() const {
  nlohmann::json told = nlohmann::json::object();
  for (const auto& [name, t] : alerters) {
    told[name] = toldJson(t);
  }
  nlohmann::json j = {{"check", check},
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
  if (ack) {
    j["ack"] = ackJson(*ack);
  }
  if (escalated.count() > 0) {
    j["escalated"] = common::formatDuration(escalated);
  }
  if (!follow_ups.empty()) {
    nlohmann::json f = nlohmann::json::object();
    for (const auto& [name, t] : follow_ups) {
      f[name] = toldJson(t);
    }
    j["follow_ups"] = std::move(f);
  }
  if (flapping) {
    j["flapping"] = {{"since", common::formatRfc3339Micros(flapping->since)},
                     {"percent", flapping->percent}};
  }
  if (flaps > 0) {
    j["flaps"] = flaps;
  }
  return j;
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
      auto told = toldFromJson(name, t);
      if (!told) {
        return tl::unexpected(told.error());
      }
      i.alerters[name] = std::move(*told);
    }
    if (j.contains("ack") && !j.at("ack").is_null()) {
      auto ack = ackFromJson(j.at("ack"));
      if (!ack) {
        return tl::unexpected(ack.error());
      }
      i.ack = std::move(*ack);
    }
    if (j.contains("escalated")) {
      auto after = common::parseDuration(j.at("escalated").get<std::string>());
      if (!after || after->count() < 0) {
        return fail(Errc::kInvalidArgument, "incident: escalated is not a duration");
      }
      i.escalated = *after;
    }
    if (j.contains("follow_ups")) {
      for (const auto& [name, t] : j.at("follow_ups").items()) {
        auto told = toldFromJson(name, t);
        if (!told) {
          return tl::unexpected(told.error());
        }
        i.follow_ups[name] = std::move(*told);
      }
    }
    if (j.contains("flapping") && !j.at("flapping").is_null()) {
      const auto& f = j.at("flapping");
      auto since = common::parseRfc3339(f.at("since").get<std::string>());
      if (!since) {
        return fail(Errc::kInvalidArgument, "incident: flapping: since is not an RFC 3339 time");
      }
      const double percent = f.at("percent").get<double>();
      if (!(percent >= 0 && percent <= 100)) {
        return fail(Errc::kInvalidArgument, "incident: flapping: percent is not within 0..100");
      }
      i.flapping = Flapping{*since, percent};
    }
    if (j.contains("flaps")) {
      // One below the top: the next start counts on without overflowing.
      i.flaps =
          static_cast<int>(countIn(j.at("flaps"), "flaps", std::numeric_limits<int>::max() - 1));
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
