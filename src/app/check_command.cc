#include "app/check_command.h"

#include <algorithm>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/builtin_checks.h"
#include "cfgsync/loader.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/printable.h"
#include "common/strings.h"
#include "engine/engine.h"

namespace ninevolt::app {
namespace {

constexpr int kUnknownExit = 3;

std::string ms(common::Nanos d) {
  return fmt::format("{:.1f}ms", std::chrono::duration<double, std::milli>(d).count());
}

nlohmann::json toJson(const std::string& name, const checks::CheckResult& r) {
  nlohmann::json phases = nlohmann::json::object();
  for (const auto& [phase, d] : r.phases) {
    phases[phase] = std::chrono::duration<double, std::milli>(d).count();
  }
  return {{"name", name},
          {"status", checks::statusName(r.status)},
          {"message", r.message},
          {"duration_ms", std::chrono::duration<double, std::milli>(r.duration).count()},
          {"time", common::formatRfc3339(r.time)},
          {"phases_ms", phases},
          {"values", r.values}};
}

}  // namespace

int runCheck(const CheckOptions& options) {
  auto set = cfgsync::loadDirs({options.file}, {.check_alerter_references = false});
  if (!set.problems.empty()) {
    for (const auto& p : set.problems) {
      std::cerr << "error: " << p.toString() << "\n";
    }
    return kUnknownExit;
  }
  std::vector<config::MonitorSpec> specs;
  std::vector<std::string> wanted = options.names;
  if (wanted.empty()) {
    for (const auto& [name, _] : set.monitors) {
      wanted.push_back(name);
    }
  }
  for (const auto& name : wanted) {
    auto it = set.monitors.find(name);
    if (it == set.monitors.end()) {
      std::vector<std::string> known;
      for (const auto& [n, _] : set.monitors) {
        known.push_back(n);
      }
      std::cerr << fmt::format("error: no monitor '{}' in {} (it has: {})\n", name, options.file,
                               known.empty() ? "none" : common::join(known, ", "));
      return kUnknownExit;
    }
    config::Problems ignored;
    auto spec = config::parseMonitor(name, it->second.value, ignored);
    if (spec->disable && options.names.empty()) {
      std::cerr << fmt::format("note: {} is disabled; name it to run it anyway\n", name);
      continue;
    }
    specs.push_back(std::move(*spec));
  }
  if (specs.empty()) {
    std::cerr << "no monitors to run in " << options.file << "\n";
    return kUnknownExit;
  }

  auto results = engine::runOnce(*builtinChecks(), specs);
  int worst = 0;
  nlohmann::json out = nlohmann::json::array();
  size_t width = 0;
  for (const auto& s : specs) {
    width = std::max(width, s.name.size());
  }
  for (size_t i = 0; i < specs.size(); ++i) {
    const auto& r = results[i];
    worst = std::max(worst, static_cast<int>(r.status));
    if (options.json) {
      out.push_back(toJson(specs[i].name, r));
    } else {
      std::string upper(checks::statusName(r.status));
      std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
      std::cout << fmt::format("{:<8} {:<{}} {:>9}  {}\n", upper, specs[i].name, width,
                               ms(r.duration), r.message);
    }
  }
  if (options.json) {
    std::cout << common::dumpJson(out, 2) << "\n";  // a target's bytes need not be UTF-8
  }
  return worst;
}

}  // namespace ninevolt::app
