#include "checks/push/push_type.h"

#include <algorithm>

#include <fmt/format.h>

#include "config/type_fields.h"

namespace ninevolt::checks::push {
namespace {

using S = PushSpec;

constexpr common::Nanos kMaxWait = std::chrono::hours(24 * 366);

bool urlSafe(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
         || c == '_' || c == '.' || c == '~';
}

class PushType : public config::TypedCheckType<PushSpec> {
 public:
  PushType()
      : TypedCheckType(
          "push", "a heartbeat: a job calls /api/v1/push/<check> at least every interval",
          {
              {"token",
               &S::token,
               "what the job sends with each push (?token=); made by the API when left out",
               {.required = true, .secret = true, .generated = true}},
              {"grace", &S::grace, "how late a push may be beyond the interval (30s)"},
          }) {}

  // Judged every few seconds, not once per interval: an hourly job's missing push is seen
  // within seconds of its deadline, not up to an hour later.
  common::Nanos runEvery(const config::MonitorSpec& spec) const override {
    return std::min<common::Nanos>(spec.interval, kMaxJudgeEvery);
  }

  // A push is taken by any member: running the check elsewhere would judge the same pushes.
  bool probes() const override { return false; }

  std::string target(const config::MonitorSpec& spec) const override {
    return "push to /api/v1/push/" + spec.name;
  }

 protected:
  void rules(PushSpec& s, const config::MonitorSpec& spec, const config::detail::FieldState& state,
             config::detail::ProblemSink& sink) const override {
    if (state.has("token")) {
      if (auto problem = tokenProblem(s.token); !problem.empty()) {
        sink.add("token", problem);
      }
    }
    // A deadline is a wall-clock time: bounded so that adding it to now cannot overflow.
    if (spec.interval > kMaxWait) {
      sink.add("interval", fmt::format("a push check waits at most {} for a push, got {}",
                                       common::formatDuration(kMaxWait),
                                       common::formatDuration(spec.interval)));
    }
    if (state.has("grace") && s.grace > kMaxWait) {
      sink.add("grace", fmt::format("at most {}, got {}", common::formatDuration(kMaxWait),
                                    common::formatDuration(s.grace)));
    }
  }

  std::string targetOf(const PushSpec& /*s*/) const override { return "push"; }
};

}  // namespace

std::string tokenProblem(std::string_view token) {
  if (token.size() < kMinTokenLength || token.size() > kMaxTokenLength) {
    return fmt::format(
        "{} characters; a push token has {} to {} (leave it out and the API "
        "makes one)",
        token.size(), kMinTokenLength, kMaxTokenLength);
  }
  auto bad = std::find_if(token.begin(), token.end(), [](char c) { return !urlSafe(c); });
  if (bad != token.end()) {
    return fmt::format(
        "character {} is not one of A-Z a-z 0-9 - _ . ~ (what a URL carries "
        "as it is); value not shown: token is secret",
        bad - token.begin() + 1);
  }
  return "";
}

const config::CheckTypeDef& typeDef() {
  static const PushType type;
  return type;
}

}  // namespace ninevolt::checks::push
