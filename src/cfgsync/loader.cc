#include "cfgsync/loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "common/strings.h"
#include "common/yaml_json.h"
#include "config/dependencies.h"
#include "config/maintenance.h"

namespace ninevolt::cfgsync {
namespace fs = std::filesystem;

namespace {

bool isYaml(const fs::path& p) {
  auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

void collectFiles(const std::string& path, std::vector<fs::path>& files,
                  config::Problems& problems) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    problems.push_back({path, "", "", "no such file or directory"});
    return;
  }
  if (fs::is_regular_file(status)) {
    files.emplace_back(path);
    return;
  }
  for (auto it = fs::recursive_directory_iterator(
           path, fs::directory_options::follow_directory_symlink, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const auto& entry = *it;
    // Hidden directories (.git and friends) hold no configs.
    if (entry.is_directory() && entry.path().filename().string().starts_with(".")) {
      it.disable_recursion_pending();
      continue;
    }
    if (entry.is_regular_file() && isYaml(entry.path())) {
      files.push_back(entry.path());
    }
  }
  if (ec) {
    problems.push_back({path, "", "", fmt::format("cannot read directory: {}", ec.message())});
  }
}

// Adds the objects of one section, reporting names already defined in another file.
template <typename ParseFn>
void addSection(const nlohmann::json& section, const std::string& file, const char* kind,
                std::map<std::string, LoadedObject>& into, config::Problems& problems,
                ParseFn parse) {
  for (const auto& [name, value] : section.items()) {
    config::Problems found;
    parse(name, value, found);
    for (auto& p : found) {
      p.source = file;
      problems.push_back(std::move(p));
    }
    auto existing = into.find(name);
    if (existing != into.end()) {
      problems.push_back(
          {file, fmt::format("{} '{}'", kind, name), "",
           fmt::format("defined twice: in {} and in {}", existing->second.file, file)});
      continue;
    }
    into.emplace(name, LoadedObject{name, file, value});
  }
}

}  // namespace

LoadedSet loadDirs(const std::vector<std::string>& paths, const LoadOptions& options) {
  LoadedSet set;
  std::vector<fs::path> files;
  for (const auto& p : paths) {
    collectFiles(p, files, set.problems);
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());

  for (const auto& path : files) {
    const std::string file = path.string();
    std::error_code size_error;
    auto size = fs::file_size(path, size_error);
    if (!size_error && size > kMaxFileBytes) {
      set.problems.push_back({file, "", "",
                              fmt::format("file is {} bytes; at most {} per file (split it; "
                                          "docs/configs.md, Limits)",
                                          size, kMaxFileBytes)});
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      set.problems.push_back({file, "", "", "cannot open file"});
      continue;
    }
    std::stringstream buf;
    buf << in.rdbuf();
    set.files_read++;
    auto json = common::parseYaml(buf.str());
    if (!json) {
      set.problems.push_back({file, "", "", json.error().message});
      continue;
    }
    config::Problems doc_problems;
    config::Document doc = config::splitDocument(*json, doc_problems);
    for (auto& p : doc_problems) {
      p.source = file;
      set.problems.push_back(std::move(p));
    }
    if (!doc.has_monitor && !doc.has_alerter && !doc.has_maintenance) {
      if (doc_problems.empty()) {
        set.notes.push_back(
            fmt::format("{}: skipped: no 'monitor:', 'alerter:' or 'maintenance:' section", file));
      }
      continue;
    }
    addSection(doc.monitors, file, "monitor", set.monitors, set.problems,
               [](const std::string& n, const nlohmann::json& v, config::Problems& pr) {
                 config::parseMonitor(n, v, pr);
               });
    addSection(doc.alerters, file, "alerter", set.alerters, set.problems,
               [](const std::string& n, const nlohmann::json& v, config::Problems& pr) {
                 config::parseAlerter(n, v, pr);
               });
    addSection(doc.maintenance, file, "maintenance", set.maintenance, set.problems,
               [](const std::string& n, const nlohmann::json& v, config::Problems& pr) {
                 config::parseMaintenance(n, v, pr);
               });
  }

  if (set.monitors.size() + set.alerters.size() + set.maintenance.size() > kMaxObjects) {
    set.problems.push_back(
        {common::join(paths, ", "), "", "",
         fmt::format("{} monitors, {} alerters and {} maintenance windows; at most {} objects "
                     "in one run (docs/configs.md, Limits)",
                     set.monitors.size(), set.alerters.size(), set.maintenance.size(),
                     kMaxObjects)});
  }
  if (!options.check_alerter_references) {
    return set;
  }
  // References are checked against the local set: it is applied whole (and synced).
  std::set<std::string> alerter_names;
  for (const auto& [name, _] : set.alerters) {
    alerter_names.insert(name);
  }
  // Also for monitors with other problems: the user gets the whole list in one go.
  std::map<std::string, std::vector<std::string>> graph;
  std::set<std::string> names;
  for (const auto& entry : set.monitors) {
    const LoadedObject& obj = entry.second;
    for (auto& p : config::checkAlerterReferences(entry.first, obj.value, alerter_names)) {
      p.source = obj.file;
      set.problems.push_back(std::move(p));
    }
    graph[entry.first] = config::dependsOnOf(obj.value);
    names.insert(entry.first);
  }
  // depends-on: parents in the same set, no cycles (the set is applied whole, like alerters).
  std::map<std::string, std::string> file_of;  // "monitor 'name'" -> its file
  for (const auto& [name, obj] : set.monitors) {
    file_of[fmt::format("monitor '{}'", name)] = obj.file;
  }
  for (auto& p : config::checkDependencies(graph, names)) {
    if (auto f = file_of.find(p.object); f != file_of.end()) {
      p.source = f->second;
    }
    set.problems.push_back(std::move(p));
  }
  return set;
}

}  // namespace ninevolt::cfgsync
