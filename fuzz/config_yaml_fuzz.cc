// A config file as `9volt cfg` and `9volt check` read it (cfgsync::loadDirs: YAML -> JSON ->
// document -> monitors and alerters -> references). Any file is loaded or reported with
// problems; every object it accepts respects the documented bounds and reads back the same
// from etcd (cfg writes spec.raw as JSON text).

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "cfgsync/loader.h"
#include "support/config_checks.h"

namespace fz = ninevolt::fuzz;
namespace config = ninevolt::config;

namespace {

std::string& file() {
  static std::string path;
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fz::quietLogs();
  std::string dir = (std::filesystem::temp_directory_path() / "ninevolt-fuzz-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) {
    std::perror("mkdtemp");
    std::abort();
  }
  file() = dir + "/config.yaml";
  static std::string remove_dir = dir;
  std::atexit([] { std::filesystem::remove_all(remove_dir); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    std::ofstream out(file(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    auto set = ninevolt::cfgsync::loadDirs({file()});
    fz::check(set.files_read == 1, "the file was not read");
    for (const auto& p : set.problems) {
      fz::check(!p.message.empty(), "a problem without a message");
    }
    for (const auto& [name, obj] : set.monitors) {
      config::Problems problems;
      if (auto m = config::parseMonitor(name, obj.value, problems)) {
        fz::checkMonitor(*m);
      }
    }
    for (const auto& [name, obj] : set.alerters) {
      config::Problems problems;
      if (auto a = config::parseAlerter(name, obj.value, problems)) {
        fz::checkAlerter(*a);
      }
    }
  } catch (const std::exception& e) {
    fz::violated("loading a config file threw", e.what());
  }
  return 0;
}
