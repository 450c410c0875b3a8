// /api/v1/push/{check}: a job's heartbeat for a push check (docs/api.md, "push"). Open to
// anyone who holds the check's own token (?token=): no API token, so a crontab line needs no
// other secret. The push is written to /9volt/push/<check> (store/push.h) before the answer,
// so it counts whichever member took it and whichever member owns the check, even if either
// dies right after; the owner's check judges it (checks/push).

#include <chrono>
#include <map>
#include <memory>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "api/auth.h"
#include "api/v1/params.h"
#include "api/v1/routes.h"
#include "common/json_fields.h"
#include "common/printable.h"
#include "common/utf8.h"
#include "common/yaml_json.h"
#include "config/spec.h"

namespace ninevolt::api::v1 {
namespace {

using Clock = std::chrono::steady_clock;

// What one member writes to etcd per push check: a push within a second of the last one it
// wrote, saying the same, is counted without a write (the stored time is then at most a
// second older than the newest push); anything else is written, at most kWritesPerSecond
// times a second per check, beyond which the job is told to slow down (429). So a job that
// pushes in a loop costs etcd at most that, per member it reaches.
class PushLimiter {
 public:
  enum class Verdict { kWrite, kCoalesced, kTooMany };
  static constexpr int kWritesPerSecond = 2;

  Verdict decide(const std::string& check, bool failed, const std::string& message) {
    const auto now = Clock::now();
    std::lock_guard lock(mu_);
    if (seen_.size() > kMaxRemembered) {
      std::erase_if(seen_, [&](const auto& e) { return now - e.second.window >= kForgetAfter; });
    }
    Seen& s = seen_[check];
    if (s.writes > 0 && now - s.last_write < std::chrono::seconds(1) && s.failed == failed
        && s.message == message) {
      return Verdict::kCoalesced;
    }
    if (now - s.window >= std::chrono::seconds(1)) {
      s.window = now;
      s.writes = 0;
    }
    if (s.writes >= kWritesPerSecond) {
      return Verdict::kTooMany;
    }
    s.writes++;
    s.last_write = now;
    s.failed = failed;
    s.message = message;
    return Verdict::kWrite;
  }

  // A write that failed does not stand for the pushes after it.
  void forget(const std::string& check) {
    std::lock_guard lock(mu_);
    seen_.erase(check);
  }

 private:
  static constexpr size_t kMaxRemembered = 10000;
  static constexpr auto kForgetAfter = std::chrono::seconds(10);
  struct Seen {
    Clock::time_point window{};
    Clock::time_point last_write{};
    int writes = 0;
    bool failed = false;
    std::string message;
  };
  std::mutex mu_;
  std::map<std::string, Seen> seen_;
};

// ?status= (or the body's "status"): ok/up/success -> false, fail/down/failure/error -> true.
std::optional<bool> failedParam(const std::string& text, config::Problems& problems) {
  if (text.empty() || text == "ok" || text == "up" || text == "success") {
    return false;
  }
  if (text == "fail" || text == "down" || text == "failure" || text == "error") {
    return true;
  }
  badParam(problems, "status",
           fmt::format("'{}' is not a push status; ok (also up, success) or fail (also down, "
                       "failure, error)",
                       common::printable(text, 40)));
  return std::nullopt;
}

// A string from the query, else from a JSON body's field of the same name.
std::string fieldOf(const Request& r, const nlohmann::json& body, const char* query_key,
                    const char* body_key) {
  if (auto v = r.queryValue(query_key)) {
    return *v;
  }
  return body.is_object() ? common::stringField(body, body_key) : std::string();
}

Response push(const Context& ctx, PushLimiter& limiter, const Request& r) {
  const std::string check = r.param("check");
  config::Problems problems;
  nlohmann::json body;
  if (!r.body.empty()) {
    auto parsed = common::parseJson(r.body);
    if (!parsed || !parsed->is_object()) {
      problems.push_back({"", "body", "",
                          "expected a JSON object like {\"status\":\"fail\",\"msg\":\"...\"}, or "
                          "no body and the fields in the query"});
      return Response::problems(400, problems);
    }
    body = std::move(*parsed);
  }
  std::string token = fieldOf(r, body, "token", "token");
  if (token.empty()) {
    if (const auto* h = r.header("x-push-token")) {
      token = *h;
    }
  }
  auto failed = failedParam(fieldOf(r, body, "status", "status"), problems);
  std::string message = fieldOf(r, body, "msg", "msg");
  if (message.size() > store::PushRecord::kMaxMessageBytes) {
    badParam(problems, "msg",
             fmt::format("{} bytes; a push message has at most {}", message.size(),
                         store::PushRecord::kMaxMessageBytes));
  } else if (!common::validUtf8(message)) {
    badParam(problems, "msg", "not valid UTF-8");
  }
  if (!problems.empty()) {
    return Response::problems(400, problems);
  }
  if (token.empty()) {
    return Response::error(401,
                           "a push needs the check's push token: ?token=<token> (shown "
                           "when the check was created through the API, or the `token` of "
                           "its config)");
  }
  // The same answer whether the check is missing, of another type or the token is wrong: a
  // caller without the token learns nothing about which checks exist.
  const auto refused = [&] {
    return Response::error(
        403, fmt::format("no push check named '{}' takes this token", common::printable(check)));
  };
  if (!config::validName(check)) {
    return refused();
  }
  auto stored = ctx.store->getConfig(store::ConfigKind::kMonitor, check);
  if (!stored) {
    return storeError(stored.error());
  }
  if (!*stored || !(*stored)->value.is_object()
      || common::stringField((*stored)->value, "type") != "push"
      || !sameSecret(common::stringField((*stored)->value, "token"), token)) {
    return refused();
  }
  const bool disabled = config::monitorDisabled((*stored)->value);
  switch (limiter.decide(check, *failed, message)) {
    case PushLimiter::Verdict::kCoalesced:
      return ok(200, {{"message", fmt::format("push for '{}' counted (one was recorded less than "
                                              "a second ago)",
                                              check)},
                      {"check", check}});
    case PushLimiter::Verdict::kTooMany: {
      auto answer = Response::error(
          429, fmt::format("more than {} changed pushes a second for '{}'; push less often",
                           PushLimiter::kWritesPerSecond, check));
      answer.headers.emplace_back("Retry-After", "1");
      return answer;
    }
    case PushLimiter::Verdict::kWrite:
      break;
  }
  store::PushRecord record;
  record.time = std::chrono::system_clock::now();
  record.failed = *failed;
  record.message = std::move(message);
  record.member = ctx.member_id;
  auto written = ctx.store->putPush(check, record);
  if (!written) {
    limiter.forget(check);
    return storeError(written.error());
  }
  if (!*written) {
    limiter.forget(check);
    return refused();  // deleted since it was read
  }
  spdlog::debug("api: push for '{}' recorded ({})", check, *failed ? "fail" : "ok");
  return ok(200, {{"message", fmt::format("push for '{}' recorded{}", check,
                                          disabled ? " (the check is disabled: nobody judges it "
                                                     "until it is enabled)"
                                                   : "")},
                  {"check", check},
                  {"time", common::formatRfc3339Micros(*record.time)}});
}

}  // namespace

void addPushRoutes(Router& router, const Context& context) {
  auto limiter = std::make_shared<PushLimiter>();
  const RouteOptions open_blocking{.access = Access::kOpen, .blocking = true};
  auto handler = [context, limiter](const Request& r) { return push(context, *limiter, r); };
  router.get("/api/v1/push/{check}", handler, open_blocking);
  router.post("/api/v1/push/{check}", handler, open_blocking);
}

}  // namespace ninevolt::api::v1
