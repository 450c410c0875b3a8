#include "app/cfg_command.h"

#include <array>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "cfgsync/loader.h"
#include "cfgsync/plan.h"
#include "common/strings.h"
#include "store/store.h"

namespace ninevolt::app {
namespace {

// -e if given; else the private etcd a local `9volt server` started; else the original's
// default.
std::vector<std::string> cfgEndpoints(const EtcdFlags& flags, std::string* source) {
  if (flags.given()) {
    *source = "-e";
    return flags.members;
  }
  std::ifstream in(embeddedEndpointFile(flags.data_dir));
  std::string endpoint;
  if (in && std::getline(in, endpoint) && !common::trim(endpoint).empty()) {
    *source = "the private etcd of the server using " + flags.data_dir;
    return {std::string(common::trim(endpoint))};
  }
  *source = "default";
  return {"http://localhost:2379"};
}

void printProblems(const config::Problems& problems) {
  for (const auto& p : problems) {
    std::cerr << "error: " << p.toString() << "\n";
  }
}

}  // namespace

int runCfg(const CfgOptions& options) {
  cfgsync::LoadedSet local = cfgsync::loadDirs(options.paths);
  for (const auto& note : local.notes) {
    std::cout << "note: " << note << "\n";
  }
  if (!local.problems.empty()) {
    printProblems(local.problems);
    std::cerr << fmt::format("{} problem(s) in {} file(s); nothing was written\n",
                             local.problems.size(), local.files_read);
    return kCfgInvalid;
  }
  std::cout << fmt::format("read {} file(s): {} monitor(s), {} alerter(s)\n", local.files_read,
                           local.monitors.size(), local.alerters.size());

  std::string source;
  auto endpoints = cfgEndpoints(options.etcd, &source);
  auto client_options = options.etcd.clientOptions(endpoints);
  if (!client_options) {
    std::cerr << "error: " << client_options.error().message << "\n";
    return kCfgInvalid;
  }
  auto client = etcd::Client::create(*client_options);
  if (!client) {
    std::cerr << "error: " << client.error().message << "\n";
    return kCfgInvalid;
  }
  std::cout << fmt::format("etcd: {} ({}), prefix {}\n", common::join(endpoints, ","), source,
                           store::Keys(options.etcd.prefix).root());
  store::Store store(*client, options.etcd.prefix);
  auto stored = store.loadConfigs();
  if (!stored) {
    std::cerr << "error: reading configs from etcd: " << stored.error().message << "\n";
    return kCfgEtcdError;
  }

  auto plan =
      cfgsync::makePlan(local, *stored, {.sync = !options.nosync, .replace = options.replace});
  std::array<size_t, 5> counts{};
  for (const auto& item : plan) {
    counts[item.action]++;
    std::cout << "  " << item.describe() << "\n";
  }
  std::cout << fmt::format(
      "plan: {} add, {} update, {} delete, {} unchanged{}{}\n", counts[cfgsync::PlanItem::kAdd],
      counts[cfgsync::PlanItem::kUpdate], counts[cfgsync::PlanItem::kDelete],
      counts[cfgsync::PlanItem::kUnchanged],
      options.replace ? fmt::format(", {} rewrite", counts[cfgsync::PlanItem::kRewrite]) : "",
      options.nosync ? " (--nosync: nothing deleted)" : "");
  auto changes = cfgsync::changesOf(plan);
  if (options.dry_run) {
    std::cout << "dry run: nothing written\n";
    return kCfgOk;
  }
  if (changes.empty()) {
    std::cout << "nothing to do\n";
    return kCfgOk;
  }
  store::ApplyReport partial;
  auto report = store.applyConfigChanges(changes, &partial);
  if (!report) {
    std::cerr << "error: applying to etcd: " << report.error().message << "\n";
    if (partial.applied > 0) {
      std::cerr << fmt::format("{} of {} change(s) were applied before the error\n",
                               partial.applied, changes.size());
    }
    return kCfgEtcdError;
  }
  std::cout << fmt::format("applied {} change(s) in {} transaction(s), etcd revision {}\n",
                           report->applied, report->transactions, report->revision);
  return kCfgOk;
}

Result<LoadResult> loadConfigsInto(const std::vector<std::string>& paths,
                                   std::shared_ptr<etcd::Client> client,
                                   const std::string& prefix) {
  cfgsync::LoadedSet local = cfgsync::loadDirs(paths);
  if (!local.problems.empty()) {
    std::string all;
    for (const auto& p : local.problems) {
      all += "\n  " + p.toString();
    }
    return fail(Errc::kInvalidArgument,
                fmt::format("invalid configs in {}:{}", common::join(paths, ", "), all));
  }
  store::Store store(std::move(client), prefix);
  auto stored = store.loadConfigs();
  if (!stored) {
    return tl::unexpected(stored.error());
  }
  auto plan = cfgsync::makePlan(local, *stored, {.sync = false, .replace = false});
  auto changes = cfgsync::changesOf(plan);
  LoadResult result;
  result.unchanged = plan.size() - changes.size();
  if (changes.empty()) {
    return result;
  }
  auto report = store.applyConfigChanges(changes);
  if (!report) {
    return tl::unexpected(report.error());
  }
  result.written = report->applied;
  return result;
}

}  // namespace ninevolt::app
