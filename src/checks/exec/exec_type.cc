#include "checks/exec/exec_type.h"

#include <fmt/format.h>

#include "config/type_fields.h"

namespace ninevolt::checks::exec {
namespace {

using S = ExecSpec;
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

class ExecType : public config::TypedCheckType<ExecSpec> {
 public:
  ExecType()
      : TypedCheckType(
          "exec", "a command run without a shell: exit code and output",
          {
              {"host", &S::host, "not used (accepted for the original 9volt's configs)"},
              {"port",
               &S::port,
               "not used (accepted for the original 9volt's configs)",
               {.min = 1, .max = 65535}},
              {"expect", &S::expect, "text the output must contain"},
              {"command", &S::command, "program to run (no shell)", {.required = true}},
              {"args", &S::args, "its arguments"},
              // Exit statuses are 0..255 on every platform we run on.
              {"return-code",
               &S::return_code,
               "the exit status wanted (0)",
               {.min = 0, .max = 255}},
              {"plugin", &S::plugin, "\"nagios\": exit 1 = warning, 2 = critical"},
              {"max-output",
               &S::max_output,
               "bytes of output kept at most (64 KiB)",
               {.min = 1, .max = kInt64Max}},
          }) {}

 protected:
  void rules(ExecSpec& s, const config::MonitorSpec& /*spec*/,
             const config::detail::FieldState& state,
             config::detail::ProblemSink& sink) const override {
    config::detail::checkHost(s.host, state, sink);
    if (state.has("plugin") && !s.plugin.empty() && s.plugin != "nagios") {
      sink.add("plugin", fmt::format("unknown plugin '{}'{}; write \"nagios\" or leave it out",
                                     s.plugin, config::detail::hint(s.plugin, {"nagios"})));
    }
  }

  std::string targetOf(const ExecSpec& s) const override {
    std::string out = s.command;
    for (const auto& a : s.args) {
      out += " " + a;
    }
    return out;
  }
};

}  // namespace

const config::CheckTypeDef& typeDef() {
  static const ExecType type;
  return type;
}

}  // namespace ninevolt::checks::exec
