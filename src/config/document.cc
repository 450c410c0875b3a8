// Document-level and cross-object rules: names, the monitor:/alerter: split, references.

#include <fmt/format.h>

#include "common/utf8.h"
#include "config/spec.h"
#include "config/values.h"

namespace ninevolt::config {

namespace {

bool nameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
         || c == '_' || c == '-';
}

}  // namespace

bool validName(std::string_view name) {
  return nameProblem(name).empty();
}

std::string nameProblem(std::string_view name) {
  // Names become etcd key segments and URL path segments: keep them to a safe alphabet.
  constexpr const char* kRule = "use 1 to 128 characters from A-Z a-z 0-9 . _ -";
  if (name.empty()) {
    return fmt::format("invalid name: empty; {}", kRule);
  }
  if (name.size() > ConfigLimits::kMaxNameBytes) {
    return fmt::format("invalid name: {} bytes long; {}", name.size(), kRule);
  }
  for (size_t i = 0; i < name.size(); ++i) {
    if (!nameChar(name[i])) {
      std::string shown = common::printable(name.substr(i, 1));
      if (static_cast<unsigned char>(name[i]) >= 0x80 && common::validUtf8(name.substr(i))) {
        shown = "a non-ASCII character";
      } else {
        shown = "'" + shown + "'";
      }
      return fmt::format("invalid name: {} at byte {} is not allowed; {}", shown, i + 1, kRule);
    }
  }
  // "." and ".." are legal by the alphabet but mean something else in a path.
  if (name == "." || name == "..") {
    return fmt::format("invalid name: '{}' means a directory in a path; {}", name, kRule);
  }
  return "";
}

bool monitorDisabled(const nlohmann::json& value) {
  if (!value.is_object()) {
    return false;
  }
  auto disable = value.find("disable");
  if (disable != value.end() && disable->is_boolean() && disable->get<bool>()) {
    return true;
  }
  auto enabled = value.find("enabled");
  return enabled != value.end() && enabled->is_boolean() && !enabled->get<bool>();
}

MonitorPlacement placementOf(const nlohmann::json& value) {
  MonitorPlacement out;
  if (!value.is_object()) {
    return out;
  }
  if (auto t = value.find("member-tag"); t != value.end() && t->is_string()) {
    out.member_tag = t->get<std::string>();
  }
  out.disabled = monitorDisabled(value);
  out.locations = placementLocations(value);
  return out;
}

Document splitDocument(const nlohmann::json& root, Problems& problems) {
  Document doc;
  if (root.is_null()) {
    return doc;  // an empty file: nothing to do, nothing wrong
  }
  detail::ProblemSink sink("", problems);
  if (!root.is_object()) {
    sink.add("", "expected a map with 'monitor', 'alerter' and/or 'maintenance' at the top, got "
                     + detail::describe(root));
    return doc;
  }
  for (const auto& [key, value] : root.items()) {
    if (key != "monitor" && key != "alerter" && key != "maintenance") {
      sink.add("", fmt::format("unknown top-level key '{}'{}; expected 'monitor', 'alerter' or "
                               "'maintenance'",
                               key, detail::hint(key, {"monitor", "alerter", "maintenance"})));
      continue;
    }
    bool& has = key == "monitor"   ? doc.has_monitor
                : key == "alerter" ? doc.has_alerter
                                   : doc.has_maintenance;
    nlohmann::json& section = key == "monitor"   ? doc.monitors
                              : key == "alerter" ? doc.alerters
                                                 : doc.maintenance;
    has = true;
    if (value.is_null()) {
      continue;  // "monitor:" with every entry commented out: present and empty
    }
    if (!value.is_object()) {
      sink.add(key,
               fmt::format("expected a map of name -> {}, got {}", key, detail::describe(value)));
      continue;
    }
    section = value;
  }
  return doc;
}

Problems checkAlerterReferences(const MonitorSpec& monitor,
                                const std::set<std::string>& alerter_names) {
  Problems problems;
  detail::ProblemSink sink(fmt::format("monitor '{}'", monitor.name), problems);
  std::vector<std::string_view> candidates(alerter_names.begin(), alerter_names.end());
  auto check = [&](const std::vector<std::string>& names, std::string_view field) {
    for (const auto& n : names) {
      if (alerter_names.count(n) == 0) {
        sink.add(field, fmt::format("unknown alerter '{}'{}", n, detail::hint(n, candidates)));
      }
    }
  };
  check(monitor.warning_alerter, "warning-alerter");
  check(monitor.critical_alerter, "critical-alerter");
  for (size_t i = 0; i < monitor.escalation.size(); ++i) {
    // Sorted by `after`: the index may differ from the written order; the field says which.
    check(monitor.escalation[i].alerters,
          fmt::format("escalation (after {}).alerters",
                      common::formatDuration(monitor.escalation[i].after)));
  }
  return problems;
}

Problems checkAlerterReferences(std::string_view name, const nlohmann::json& value,
                                const std::set<std::string>& alerter_names) {
  MonitorSpec refs;
  refs.name = std::string(name);
  auto names = [](const nlohmann::json& v) {
    std::vector<std::string> out;
    if (v.is_array()) {
      for (const auto& item : v) {
        if (item.is_string()) {
          out.push_back(item.get<std::string>());
        }
      }
    }
    return out;
  };
  if (value.is_object()) {
    refs.warning_alerter = names(value.value("warning-alerter", nlohmann::json()));
    refs.critical_alerter = names(value.value("critical-alerter", nlohmann::json()));
    const auto steps = value.find("escalation");
    if (steps != value.end() && steps->is_array()) {
      for (const auto& step : *steps) {
        if (!step.is_object()) {
          continue;
        }
        EscalationStep read;
        read.alerters = names(step.value("alerters", nlohmann::json()));
        // Named by its `after` as written (a bad one is reported by parseMonitor).
        const auto after = step.value("after", nlohmann::json());
        if (after.is_string()) {
          read.after = common::parseDuration(after.get<std::string>()).value_or(common::Nanos(0));
        }
        refs.escalation.push_back(std::move(read));
      }
    }
  }
  return checkAlerterReferences(refs, alerter_names);
}

}  // namespace ninevolt::config
