// /api/v1/silence[/{id}]: silences (store/silence.h; docs/api.md "Silences"). A silence is
// written to etcd before the answer, so every member's dispatcher has it through its watch
// within moments, whichever member took the request.

#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/v1/params.h"
#include "api/v1/routes.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/json_fields.h"
#include "common/printable.h"
#include "common/yaml_json.h"

namespace ninevolt::api::v1 {
namespace {

constexpr const char* kFields[] = {"check", "tags",     "type",    "member-tag", "starts",
                                   "ends",  "duration", "comment", "created-by"};

std::string newSilenceId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}", rng());
}

void problem(config::Problems& out, const std::string& field, std::string message) {
  out.push_back({"", "silence", field, std::move(message)});
}

// The silence a POST body asks for, or its problems (all of them).
Result<store::Silence> silenceFromBody(const nlohmann::json& body, common::SystemTime now,
                                       config::Problems& problems) {
  store::Silence s;
  s.id = newSilenceId();
  s.created = now;
  s.starts = now;
  for (const auto& [key, value] : body.items()) {
    if (std::find(std::begin(kFields), std::end(kFields), key) == std::end(kFields)) {
      problem(problems, common::printable(key, 60),
              fmt::format("unknown field; a silence has {}", fmt::join(kFields, ", ")));
    }
  }
  auto text = [&](const char* field, std::string& out) {
    if (const auto* v = common::findField(body, field); v != nullptr) {
      if (v->is_string()) {
        out = v->get<std::string>();
      } else {
        problem(problems, field, fmt::format("expected a string, got {}", store::describeType(*v)));
      }
    }
  };
  auto time = [&](const char* field) -> std::optional<common::SystemTime> {
    std::string t;
    text(field, t);
    if (t.empty()) {
      return std::nullopt;
    }
    auto parsed = common::parseRfc3339(t);
    if (!parsed) {
      problem(problems, field,
              fmt::format("'{}' is not an RFC 3339 time like 2026-12-06T10:00:00Z",
                          common::printable(t, 60)));
      return std::nullopt;
    }
    return *parsed;
  };
  text("check", s.check);
  text("type", s.type);
  text("member-tag", s.member_tag);
  text("comment", s.comment);
  text("created-by", s.created_by);
  if (const auto* tags = common::findField(body, "tags"); tags != nullptr) {
    if (!tags->is_array()) {
      problem(problems, "tags", "expected a list of strings");
    } else {
      for (const auto& t : *tags) {
        if (!t.is_string()) {
          problem(problems, "tags", "expected a list of strings");
          break;
        }
        s.tags.push_back(t.get<std::string>());
      }
    }
  }
  if (auto starts = time("starts")) {
    s.starts = *starts;
  }
  auto ends = time("ends");
  std::string duration;
  text("duration", duration);
  if (ends && !duration.empty()) {
    problem(problems, "duration", "give ends or duration, not both");
  } else if (ends) {
    s.ends = *ends;
  } else if (!duration.empty()) {
    auto d = common::parseDuration(duration);
    if (!d) {
      problem(problems, "duration", d.error().message);
    } else if (d->count() <= 0) {
      problem(problems, "duration", "must be longer than 0");
    } else if (*d > store::Silence::kMaxLength) {
      problem(problems, "duration",
              fmt::format("longer than {} days; at most that",
                          store::Silence::kMaxLength.count() / 24));
    } else {
      s.ends = s.starts + std::chrono::duration_cast<common::SystemTime::duration>(*d);
    }
  } else if (problems.empty()) {
    problem(problems, "ends", "a silence needs ends (an RFC 3339 time) or duration (like 1h)");
  }
  if (!problems.empty()) {
    return fail(Errc::kInvalidArgument, "invalid silence");
  }
  if (s.ends <= now) {
    problem(
        problems, "ends",
        fmt::format("{} is past; a silence must end in the future", common::formatRfc3339(s.ends)));
  }
  for (auto& p : s.problems()) {
    problems.push_back(std::move(p));
  }
  if (!problems.empty()) {
    return fail(Errc::kInvalidArgument, "invalid silence");
  }
  return s;
}

nlohmann::json shown(const store::Silence& s, common::SystemTime now) {
  auto j = s.toJson();
  j["state"] = s.activeAt(now) ? "active" : s.ends <= now ? "expired" : "pending";
  return j;
}

Response postSilence(const Context& ctx, const Request& r) {
  config::Problems problems;
  auto body = common::parseJson(r.body);
  if (!body || !body->is_object()) {
    problem(problems, "",
            "expected a JSON object like {\"check\":\"web-*\",\"duration\":\"1h\","
            "\"comment\":\"deploy\"}");
    return Response::problems(400, problems);
  }
  // To the second, as it is stored (and shown).
  const common::SystemTime now =
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto silence = silenceFromBody(*body, now, problems);
  if (!silence) {
    return Response::problems(400, problems);
  }
  auto count = ctx.store->countSilences();
  if (!count) {
    return storeError(count.error());
  }
  if (*count >= store::Silence::kMaxSilences) {
    return Response::error(
        409, fmt::format("{} silences exist (expired ones are kept a day); at most {}: end some, "
                         "or silence by tag or glob instead of one by one",
                         *count, store::Silence::kMaxSilences));
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto made = ctx.store->createSilence(*silence, now);
    if (!made) {
      return storeError(made.error());
    }
    if (*made) {
      return Response::json(
          201, common::dumpJson({{"status", "ok"}, {"silence", shown(*silence, now)}}));
    }
    silence->id = newSilenceId();  // taken (one in 2^64): another
  }
  return Response::error(503, "could not find a free silence id");
}

Response listSilences(const Context& ctx) {
  auto listed = ctx.store->listSilences();
  if (!listed) {
    return storeError(listed.error());
  }
  const auto now = std::chrono::system_clock::now();
  std::vector<const store::Silence*> order;
  for (const auto& [id, s] : listed->first) {
    order.push_back(&s);
  }
  // Newest first, like the event log.
  std::sort(order.begin(), order.end(),
            [](const auto* a, const auto* b) { return a->created > b->created; });
  auto out = nlohmann::json::array();
  for (const auto* s : order) {
    out.push_back(shown(*s, now));
  }
  return Response::json(200, common::dumpJson(out));
}

Response badId(const std::string& id) {
  config::Problems problems;
  problem(problems, "id",
          fmt::format("'{}' is not a silence id ({} lowercase hex digits)",
                      common::printable(id, 40), store::Silence::kIdLength));
  return Response::problems(400, problems);
}

Response getSilence(const Context& ctx, const std::string& id) {
  if (!store::validSilenceId(id)) {
    return badId(id);
  }
  auto got = ctx.store->getSilence(id);
  if (!got) {
    return storeError(got.error());
  }
  if (!*got) {
    return Response::error(404, fmt::format("no silence {}", id));
  }
  return Response::json(200, common::dumpJson(shown(**got, std::chrono::system_clock::now())));
}

Response deleteSilence(const Context& ctx, const std::string& id) {
  if (!store::validSilenceId(id)) {
    return badId(id);
  }
  auto deleted = ctx.store->deleteSilence(id);
  if (!deleted) {
    return storeError(deleted.error());
  }
  if (!*deleted) {
    return Response::error(404, fmt::format("no silence {}", id));
  }
  return ok(200, {{"deleted", id}});
}

}  // namespace

void addSilenceRoutes(Router& router, const Context& context) {
  const RouteOptions blocking{.blocking = true};
  router.get(
      "/api/v1/silence", [ctx = context](const Request&) { return listSilences(ctx); }, blocking);
  router.post(
      "/api/v1/silence", [ctx = context](const Request& r) { return postSilence(ctx, r); },
      blocking);
  router.get(
      "/api/v1/silence/{id}",
      [ctx = context](const Request& r) { return getSilence(ctx, r.param("id")); }, blocking);
  router.del(
      "/api/v1/silence/{id}",
      [ctx = context](const Request& r) { return deleteSilence(ctx, r.param("id")); }, blocking);
}

}  // namespace ninevolt::api::v1
