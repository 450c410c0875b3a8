#include "config/monitor_rules.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <re2/re2.h>

#include "config/monitor_fields.h"

namespace ninevolt::config::detail {
namespace {

// The most memory one compiled `expect` may take (RE2's default is 8 MiB); a pattern that
// needs more is a config error, not a member's memory.
constexpr int64_t kExpectRegexMemory = 1 << 20;

using std::chrono::seconds;

constexpr std::array<std::string_view, 7> kHttpMethods{"GET",   "HEAD",   "POST",   "PUT",
                                                       "PATCH", "DELETE", "OPTIONS"};
constexpr std::array<std::string_view, 10> kDnsRecordTypes{"A",   "AAAA", "CNAME", "MX",  "NS",
                                                           "TXT", "SOA",  "SRV",   "PTR", "CAA"};

Nanos defaultTimeout(CheckType type) {
  return type == CheckType::kTcp ? Nanos(seconds(4)) : Nanos(seconds(3));
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// Case-insensitive membership; the value is normalised to upper case ("get" -> "GET").
template <size_t N>
void checkOneOf(std::string& value, const std::array<std::string_view, N>& allowed,
                std::string_view field, std::string_view what, ProblemSink& sink) {
  std::string up = upper(value);
  if (std::find(allowed.begin(), allowed.end(), up) != allowed.end()) {
    value = up;
    return;
  }
  std::vector<std::string_view> candidates(allowed.begin(), allowed.end());
  sink.add(std::string(field), fmt::format("unknown {} '{}'{}; one of {}", what, value,
                                           hint(up, candidates), fmt::join(allowed, " ")));
}

bool hasSpaceOrControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; });
}

// RFC 9110 token characters: what a header name may contain.
bool isToken(std::string_view s) {
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || kExtra.find(static_cast<char>(c)) != std::string_view::npos;
  });
}

void httpRules(MonitorSpec& spec, const FieldState& state, ProblemSink& sink) {
  if (state.has("url")) {
    if (spec.url.rfind("http://", 0) == 0 || spec.url.rfind("https://", 0) == 0) {
      sink.add("url", fmt::format("must be a path starting with '/', not a full URL (\"{}\"); "
                                  "put the server in 'host' and use 'ssl' for https",
                                  spec.url));
    } else if (spec.url.empty() || spec.url.front() != '/') {
      sink.add("url", fmt::format("must start with '/', got \"{}\"", spec.url));
    } else if (hasSpaceOrControl(spec.url)) {
      sink.add("url", "must not contain spaces or control characters (percent-encode them)");
    }
  }
  if (state.has("method")) {
    checkOneOf(spec.method, kHttpMethods, "method", "method", sink);
  }
  for (const auto& [name, value] : spec.headers) {
    if (!isToken(name)) {
      sink.add("headers", fmt::format("invalid header name '{}'", name));
    } else if (value.find_first_of("\r\n") != std::string::npos) {
      // A newline would let a config smuggle extra headers into the request.
      sink.add("headers." + name, "must not contain line breaks");
    }
  }
  if (state.has("cert-expiry-warning") && !spec.ssl) {
    sink.add("cert-expiry-warning", "only applies when ssl is true");
  }
  if (!state.has("port")) {
    spec.port = spec.ssl ? 443 : 80;
  }
}

void dnsRules(MonitorSpec& spec, const FieldState& state, ProblemSink& sink) {
  if (state.has("dns-record-type")) {
    checkOneOf(spec.dns_record_type, kDnsRecordTypes, "dns-record-type", "record type", sink);
  }
  if (!state.has("port")) {
    spec.port = 53;
  }
  if (!state.ok("expect")) {
    return;
  }
  if (!state.has("expect")) {
    spec.expect = ".";
  }
  // Compiled here so a bad pattern is a config problem, never a crash at run time (the
  // original 9volt compiled it per run and panicked).
  // RE2 matches in time linear in the answer whatever the pattern (std::regex recursed per
  // character and overflowed the stack on a back-reference like \5555...).
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(kExpectRegexMemory);
  auto compiled = std::make_shared<const re2::RE2>(spec.expect, options);
  if (!compiled->ok()) {
    sink.add("expect",
             fmt::format("invalid regular expression \"{}\": {}", spec.expect, compiled->error()));
    return;
  }
  spec.expect_regex = std::move(compiled);
}

void execRules(MonitorSpec& spec, const FieldState& state, ProblemSink& sink) {
  if (state.has("plugin") && !spec.plugin.empty() && spec.plugin != "nagios") {
    sink.add("plugin", fmt::format("unknown plugin '{}'{}; write \"nagios\" or leave it out",
                                   spec.plugin, hint(spec.plugin, {"nagios"})));
  }
}

}  // namespace

void checkRequired(const MonitorSpec& spec, const FieldState& state, ProblemSink& sink) {
  const unsigned bit = typeBit(spec.type);
  for (const auto& f : monitorFieldTable()) {
    if ((f.required_for & bit) == 0 || std::holds_alternative<std::monostate>(f.target)) {
      continue;
    }
    if (!state.has(f.name)) {
      if (state.ok(f.name)) {
        sink.add(std::string(f.name), "required field is missing");
      }
      continue;
    }
    if (const auto* m = std::get_if<std::string MonitorSpec::*>(&f.target);
        m != nullptr && (spec.*(*m)).empty()) {
      sink.add(std::string(f.name), "must not be empty");
    }
  }
}

void applyCommonRules(MonitorSpec& spec, const FieldState& state, ProblemSink& sink) {
  if (state.has("host")
      && (spec.host.find('/') != std::string::npos || hasSpaceOrControl(spec.host))) {
    sink.add("host", fmt::format("must be a host name or address, got \"{}\"", spec.host));
  }
  if (state.has("interval") && spec.interval < ConfigLimits::kMinInterval) {
    // Anything faster is a mistake (1ns spun a worker) or a load test: not a monitor.
    sink.add("interval", fmt::format("must be at least {}, got {}",
                                     common::formatDuration(ConfigLimits::kMinInterval),
                                     common::formatDuration(spec.interval)));
  }
  if (state.has("enabled")) {
    if (state.has("disable") && spec.disable == spec.enabled) {
      sink.add("enabled", fmt::format("enabled: {} contradicts disable: {}; write only disable "
                                      "(enabled is kept for the original 9volt's configs)",
                                      spec.enabled, spec.disable));
    } else {
      spec.disable = !spec.enabled;
    }
  }
  spec.enabled = !spec.disable;
  if (state.has("interval")) {
    if (state.has("timeout")) {
      if (spec.timeout >= spec.interval) {
        sink.add("timeout", fmt::format("{} must be shorter than interval {}",
                                        common::formatDuration(spec.timeout),
                                        common::formatDuration(spec.interval)));
      }
    } else if (state.ok("timeout")) {
      // A 1s check must not need a written timeout just because the default is 3s.
      spec.timeout = std::min(defaultTimeout(spec.type), spec.interval);
    }
  }
  if (state.ok("warning-threshold") && state.ok("critical-threshold")
      && spec.warning_threshold > spec.critical_threshold) {
    sink.add("warning-threshold",
             fmt::format("{} must not be greater than critical-threshold {}{}",
                         spec.warning_threshold, spec.critical_threshold,
                         state.has("critical-threshold") ? "" : " (the default; set it too)"));
  }
}

void applyTypeRules(MonitorSpec& spec, const FieldState& state, ProblemSink& sink) {
  switch (spec.type) {
    case CheckType::kHttp:
      httpRules(spec, state, sink);
      break;
    case CheckType::kTcp:
      break;  // everything tcp needs is in the field table
    case CheckType::kDns:
      dnsRules(spec, state, sink);
      break;
    case CheckType::kExec:
      execRules(spec, state, sink);
      break;
  }
}

}  // namespace ninevolt::config::detail
