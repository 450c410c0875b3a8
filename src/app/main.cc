// 9volt: distributed remote monitoring. main() only wires the CLI to the commands.
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "app/cfg_command.h"
#include "app/server_command.h"
#include "common/logging.h"
#include "common/version.h"

int main(int argc, char** argv) {
  using ninevolt::app::CfgOptions;
  using ninevolt::app::ServerOptions;

  CLI::App app{
      "9volt: distributed remote monitoring on etcd. Start `9volt server` on any number of "
      "machines pointed at one etcd; push checks with `9volt cfg DIR`."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("9volt ") + ninevolt::common::kSemVer + " ("
                                        + ninevolt::common::kGitSha + ")");

  ServerOptions server;
  auto* server_cmd = app.add_subcommand(
      "server",
      "Join the cluster and run checks. With no etcd given (-e / NINEV_ETCD_MEMBERS) a "
      "private etcd is started in --data-dir.");
  server.etcd.addTo(*server_cmd);
  server_cmd->add_option("-l,--listen", server.listen, "HTTP listen address host:port")
      ->envname("NINEV_LISTEN_ADDRESS")
      ->capture_default_str();
  server_cmd
      ->add_option("-t,--tags", server.tags,
                   "this member's tags, comma separated (checks with a matching member-tag "
                   "run only on such members)")
      ->delimiter(',')
      ->envname("NINEV_MEMBER_TAGS");
  server_cmd
      ->add_option("-a,--access-tokens", server.access_tokens,
                   "API access tokens, comma separated (clients send X-Access-Token)")
      ->delimiter(',')
      ->envname("NINEV_ACCESS_TOKENS");
  server_cmd->add_flag("-d,--debug", server.debug, "debug logging")->envname("NINEV_DEBUG");
  server_cmd
      ->add_option("--load", server.load,
                   "config dirs to apply at start (like `9volt cfg --nosync`); may repeat")
      ->check(CLI::ExistingPath);

  CfgOptions cfg;
  auto* cfg_cmd = app.add_subcommand(
      "cfg",
      "Validate the YAML configs under DIR..., show the plan against etcd and apply it. Exit "
      "codes: 0 applied or nothing to do, 1 etcd error, 2 invalid input.");
  cfg_cmd->add_option("dirs", cfg.paths, "directories (or files) with .yaml/.yml configs")
      ->required();
  cfg.etcd.addTo(*cfg_cmd);
  cfg_cmd->add_flag("--nosync", cfg.nosync,
                    "keep configs in etcd that no local file has (default: delete them)");
  cfg_cmd->add_flag("--replace", cfg.replace, "rewrite configs even when unchanged");
  cfg_cmd->add_flag("--dry-run,--dryrun", cfg.dry_run,
                    "print the plan, write nothing (whatever else is set)");

  auto* version_cmd = app.add_subcommand("version", "Print the version");

  CLI11_PARSE(app, argc, argv);

  if (*version_cmd) {
    std::cout << "9volt " << ninevolt::common::kSemVer << " (" << ninevolt::common::kGitSha
              << ")\n";
    return 0;
  }
  if (*server_cmd) {
    ninevolt::common::setupLogging(server.debug);
    return ninevolt::app::runServer(server);
  }
  if (*cfg_cmd) {
    ninevolt::common::setupLogging(false);
    return ninevolt::app::runCfg(cfg);
  }
  return 0;
}
