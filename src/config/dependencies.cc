#include "config/dependencies.h"

#include <algorithm>

#include <fmt/format.h>

#include "config/values.h"

namespace ninevolt::config {

std::vector<std::string> dependsOnOf(const nlohmann::json& value) {
  std::vector<std::string> out;
  if (!value.is_object()) {
    return out;
  }
  auto it = value.find("depends-on");
  if (it == value.end() || !it->is_array()) {
    return out;
  }
  for (const auto& item : *it) {
    if (item.is_string()) {
      out.push_back(item.get<std::string>());
    }
  }
  return out;
}

namespace {

const std::vector<std::string> kNone;

const std::vector<std::string>& parentsOf(
    const std::map<std::string, std::vector<std::string>>& graph, const std::string& name) {
  auto it = graph.find(name);
  return it != graph.end() ? it->second : kNone;
}

// Every cycle the depth-first walk meets (one per back edge: each cycle at least once), as
// the names along it, first = last. Iterative: a chain of 100,000 parents must not overflow
// the stack. O(monitors + edges).
std::vector<std::vector<std::string>> cyclesOf(
    const std::map<std::string, std::vector<std::string>>& graph) {
  enum class Colour { kWhite, kGrey, kBlack };
  std::map<std::string_view, Colour> colour;
  std::vector<std::vector<std::string>> cycles;
  struct Frame {
    const std::string* name;
    size_t next = 0;
  };
  for (const auto& [root, _] : graph) {
    if (colour[root] != Colour::kWhite) {
      continue;
    }
    std::vector<Frame> stack{{&root}};
    colour[root] = Colour::kGrey;
    while (!stack.empty()) {
      Frame& top = stack.back();
      const auto& parents = parentsOf(graph, *top.name);
      if (top.next == parents.size()) {
        colour[*top.name] = Colour::kBlack;
        stack.pop_back();
        continue;
      }
      const std::string& parent = parents[top.next++];
      auto known = graph.find(parent);
      if (known == graph.end()) {
        continue;  // an unknown parent: reported as such
      }
      Colour& c = colour[known->first];
      if (c == Colour::kWhite) {
        c = Colour::kGrey;
        stack.push_back({&known->first});
      } else if (c == Colour::kGrey) {
        std::vector<std::string> cycle;
        auto from = std::find_if(stack.begin(), stack.end(),
                                 [&](const Frame& f) { return *f.name == parent; });
        for (auto it = from; it != stack.end(); ++it) {
          cycle.push_back(*it->name);
        }
        cycle.push_back(parent);
        cycles.push_back(std::move(cycle));
      }
    }
  }
  return cycles;
}

}  // namespace

Problems checkDependencies(const std::map<std::string, std::vector<std::string>>& graph,
                           const std::set<std::string>& checked) {
  Problems problems;
  std::vector<std::string_view> candidates;
  for (const auto& [name, _] : graph) {
    candidates.push_back(name);
  }
  for (const auto& name : checked) {
    detail::ProblemSink sink(fmt::format("monitor '{}'", name), problems);
    for (const auto& parent : parentsOf(graph, name)) {
      if (!graph.contains(parent)) {
        sink.add("depends-on",
                 fmt::format("unknown monitor '{}'{}", parent, detail::hint(parent, candidates)));
      }
    }
  }
  for (auto& cycle : cyclesOf(graph)) {
    // Told at the first monitor of the cycle being written (none: it was there before).
    auto at = std::find_if(cycle.begin(), cycle.end() - 1,
                           [&](const std::string& n) { return checked.contains(n); });
    if (at == cycle.end() - 1) {
      continue;
    }
    // Rotated to start there: "app -> db -> app" reads as "app depends on db, on app".
    std::vector<std::string> path(at, cycle.end() - 1);
    path.insert(path.end(), cycle.begin(), at);
    path.push_back(*at);
    if (path.size() == 2) {
      continue;  // itself: parseMonitor says so (a rule of the one monitor)
    }
    detail::ProblemSink sink(fmt::format("monitor '{}'", *at), problems);
    sink.add("depends-on", fmt::format("a cycle: {}", fmt::join(path, " -> ")));
  }
  return problems;
}

}  // namespace ninevolt::config
