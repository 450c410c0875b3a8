#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/problems.h"
#include "config/spec.h"

namespace ninevolt::cfgsync {

// A monitor or alerter read from a YAML file, validated.
struct LoadedObject {
  std::string name;
  std::string file;
  nlohmann::json value;  // as written (YAML converted to JSON): what goes into etcd
};

struct LoadedSet {
  std::map<std::string, LoadedObject> monitors;
  std::map<std::string, LoadedObject> alerters;
  std::map<std::string, LoadedObject> maintenance;  // maintenance windows
  std::vector<std::string> notes;  // files skipped, and why
  config::Problems problems;       // every problem in every file; empty = the set is usable
  size_t files_read = 0;
};

// Reads every .yaml/.yml file under the given directories (recursively, in sorted order;
// a path may also name one file). Each file may have a top-level `monitor:` and/or
// `alerter:` map; a file with neither is skipped with a note. Every object is validated
// (config::parseMonitor/parseAlerter), a name defined in two files is a problem naming both
// files, and every alerter a monitor names must be in the set (the set is whole).
// Limits (docs/configs.md, "Limits"): checked before anything is parsed or written.
inline constexpr uintmax_t kMaxFileBytes = 16 << 20;
inline constexpr size_t kMaxObjects = 250'000;

struct LoadOptions {
  // Off for `9volt check`, which runs monitors locally and sends no alerts.
  bool check_alerter_references = true;
};
LoadedSet loadDirs(const std::vector<std::string>& paths, const LoadOptions& options = {});

}  // namespace ninevolt::cfgsync
