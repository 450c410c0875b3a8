#pragma once

// The push type's own monitor fields (docs/configs.md, "push"): what the config core reads
// for `type: push` and the check gets as spec.options<PushSpec>().

#include <string>
#include <string_view>

#include "common/duration.h"
#include "config/check_type.h"

namespace ninevolt::checks::push {

struct PushSpec : config::TypeOptions {
  // What a job must send with each push (?token=...). Secret: redacted wherever the monitor
  // is shown. The API makes one when a monitor is created without it.
  std::string token;
  // How late a push may be beyond `interval` before the check is critical.
  common::Nanos grace = std::chrono::seconds(30);
};

// Token bounds: long enough not to be guessed, short enough for a crontab line, and only
// characters a URL carries as they are.
inline constexpr size_t kMinTokenLength = 16;
inline constexpr size_t kMaxTokenLength = 256;
// The push check is judged at least this often, whatever its interval (CheckTypeDef::runEvery).
inline constexpr common::Nanos kMaxJudgeEvery = std::chrono::seconds(10);

// Why `token` is not a usable push token ("" when it is); never quotes the token.
std::string tokenProblem(std::string_view token);

const config::CheckTypeDef& typeDef();

}  // namespace ninevolt::checks::push
