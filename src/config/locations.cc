#include "config/locations.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "config/spec.h"

namespace ninevolt::config {

bool validLocation(std::string_view location) {
  return location.empty() || (validName(location) && location != "all");
}

std::optional<LocationList> readLocations(const nlohmann::json& value, detail::ProblemSink& sink) {
  LocationList out;
  if (value.is_string()) {
    if (value.get<std::string>() == "all") {
      out.all = true;
      return out;
    }
    sink.add("locations", fmt::format("expected \"all\" or a list of location names, got string "
                                      "\"{}\" (a single location: [{}])",
                                      value.get<std::string>(), value.get<std::string>()));
    return std::nullopt;
  }
  if (!value.is_array()) {
    sink.add("locations",
             "expected \"all\" or a list of location names, got " + detail::describe(value));
    return std::nullopt;
  }
  if (value.empty() || value.size() > kMaxLocations) {
    sink.add("locations",
             fmt::format("lists {} locations; 1 to {} (or \"all\")", value.size(), kMaxLocations));
    return std::nullopt;
  }
  bool ok = true;
  std::set<std::string> seen;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string field = fmt::format("locations[{}]", i);
    const auto& v = value[i];
    if (!v.is_string()) {
      sink.add(field, "expected a location name, got " + detail::describe(v));
      ok = false;
      continue;
    }
    const auto name = v.get<std::string>();
    if (name == "all") {
      sink.add(field, "\"all\" is not a location: write `locations: all` instead of a list");
      ok = false;
    } else if (auto problem = nameProblem(name); !problem.empty()) {
      sink.add(field, "not a location name: " + problem);
      ok = false;
    } else if (!seen.insert(name).second) {
      sink.add(field, fmt::format("'{}' is listed twice", name));
      ok = false;
    } else {
      out.names.push_back(name);
    }
  }
  return ok ? std::optional(out) : std::nullopt;
}

nlohmann::json locationsJson(const LocationList& list) {
  if (list.all) {
    return "all";
  }
  return list.names;
}

LocationList placementLocations(const nlohmann::json& monitor_value) {
  if (!monitor_value.is_object()) {
    return {};
  }
  auto it = monitor_value.find("locations");
  if (it == monitor_value.end()) {
    return {};
  }
  Problems ignored;
  detail::ProblemSink sink("", ignored);
  return readLocations(*it, sink).value_or(LocationList{});
}

Quorum quorumOf(int failing, int recovered, int total) {
  total = std::max(total, 1);
  Quorum q;
  q.failing = failing > 0 ? std::min(failing, total) : total / 2 + 1;
  q.recovered = recovered > 0 ? std::min(recovered, total) : total - q.failing + 1;
  return q;
}

int judgeQuorum(const QuorumCount& count, Quorum quorum, int current) {
  if (count.critical >= quorum.failing) {
    return 2;
  }
  if (count.critical + count.warning >= quorum.failing) {
    return 1;
  }
  if (count.ok >= quorum.recovered) {
    return 0;
  }
  return current;
}

std::string replicaName(std::string_view check, std::string_view location) {
  std::string out;
  out.reserve(check.size() + 1 + location.size());
  out += check;
  out += '@';
  out += location;
  return out;
}

std::optional<ReplicaOf> splitReplica(std::string_view name) {
  const auto at = name.find('@');
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  ReplicaOf r{name.substr(0, at), name.substr(at + 1)};
  if (!validName(r.check) || !validLocation(r.location)) {
    return std::nullopt;
  }
  return r;
}

}  // namespace ninevolt::config
