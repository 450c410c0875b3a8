#include "config/escalation.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace ninevolt::config {

std::optional<std::vector<EscalationStep>> readEscalation(const nlohmann::json& value,
                                                          detail::ProblemSink& sink) {
  if (!value.is_array()) {
    sink.add("escalation", "expected a list of steps {after: 15m, alerters: [...]}, got "
                               + detail::describe(value));
    return std::nullopt;
  }
  if (value.size() > ConfigLimits::kMaxEscalationSteps) {
    sink.add("escalation",
             fmt::format("{} steps; at most {}", value.size(), ConfigLimits::kMaxEscalationSteps));
    return std::nullopt;
  }
  std::vector<EscalationStep> steps;
  bool ok = true;
  std::set<common::Nanos> afters;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string at = fmt::format("escalation[{}]", i);
    const auto& item = value[i];
    if (!item.is_object()) {
      sink.add(at, "expected a map {after, alerters}, got " + detail::describe(item));
      ok = false;
      continue;
    }
    EscalationStep step;
    bool item_ok = true;
    for (const auto& [key, v] : item.items()) {
      if (key != "after" && key != "alerters") {
        sink.add(at, fmt::format("unknown field '{}'{}", common::printable(key),
                                 detail::hint(key, {"after", "alerters"})));
        item_ok = false;
      }
    }
    auto after = item.find("after");
    if (after == item.end() || after->is_null()) {
      sink.add(at + ".after", "required field is missing (how old the incident is: 15m)");
      item_ok = false;
    } else if (auto d = detail::readDuration(*after, at + ".after", sink)) {
      if (*d > ConfigLimits::kMaxFollowUp) {
        sink.add(at + ".after", fmt::format("{} is longer than {}", common::formatDuration(*d),
                                            common::formatDuration(ConfigLimits::kMaxFollowUp)));
        item_ok = false;
      } else if (!afters.insert(*d).second) {
        sink.add(at + ".after", fmt::format("another step has after: {} too; merge their alerters",
                                            common::formatDuration(*d)));
        item_ok = false;
      }
      step.after = *d;
    } else {
      item_ok = false;
    }
    auto alerters = item.find("alerters");
    if (alerters == item.end() || alerters->is_null()) {
      sink.add(at + ".alerters", "required field is missing (the alerters to tell)");
      item_ok = false;
    } else if (auto list = detail::readStringList(*alerters, at + ".alerters", sink)) {
      if (list->empty()) {
        sink.add(at + ".alerters", "names no alerter");
        item_ok = false;
      }
      step.alerters = std::move(*list);
    } else {
      item_ok = false;
    }
    ok = ok && item_ok;
    steps.push_back(std::move(step));
  }
  if (!ok) {
    return std::nullopt;
  }
  std::stable_sort(steps.begin(), steps.end(),
                   [](const auto& a, const auto& b) { return a.after < b.after; });
  return steps;
}

nlohmann::json escalationJson(const std::vector<EscalationStep>& steps) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : steps) {
    out.push_back({{"after", common::formatDuration(s.after)}, {"alerters", s.alerters}});
  }
  return out;
}

void checkReminderInterval(const std::optional<common::Nanos>& interval, const char* field,
                           detail::ProblemSink& sink) {
  if (!interval) {
    return;
  }
  if (*interval < ConfigLimits::kMinReminder || *interval > ConfigLimits::kMaxFollowUp) {
    sink.add(field, fmt::format("must be between {} and {}, got {}",
                                common::formatDuration(ConfigLimits::kMinReminder),
                                common::formatDuration(ConfigLimits::kMaxFollowUp),
                                common::formatDuration(*interval)));
  }
}

}  // namespace ninevolt::config
