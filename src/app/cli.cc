#include "app/cli.h"

#include <iostream>

#include "common/logging.h"
#include "common/version.h"

namespace ninevolt::app {

Cli::Cli() {
  app.require_subcommand(1);
  app.set_version_flag("--version",
                       std::string("9volt ") + common::kSemVer + " (" + common::kGitSha + ")");

  server_cmd = app.add_subcommand(
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
      ->add_option("--location", server.location,
                   "where this member runs (a site, region or network, e.g. eu-west: letters, "
                   "digits, '.', '_', '-'); shown in the API, the UI and /metrics; none by "
                   "default")
      ->envname("NINEV_LOCATION");
  server_cmd
      ->add_option("-a,--access-tokens", server.access_tokens,
                   "API read-write tokens, comma separated (clients send X-Access-Token or "
                   "Authorization: Bearer); with no token at all the API is open")
      ->delimiter(',')
      ->envname("NINEV_ACCESS_TOKENS");
  server_cmd
      ->add_option("--read-tokens", server.read_tokens,
                   "API read-only tokens, comma separated (GET only; writes answer 403)")
      ->delimiter(',')
      ->envname("NINEV_READ_TOKENS");
  server_cmd
      ->add_flag("--metrics-auth", server.metrics_auth,
                 "require a token on /metrics too (default: open, like /status/check)")
      ->envname("NINEV_METRICS_AUTH");
  server_cmd
      ->add_flag("--api-allow-exec", server.api_allow_exec,
                 "allow exec monitors to be created or changed through the API (they run "
                 "commands on every member; default: only `9volt cfg` may)")
      ->envname("NINEV_API_ALLOW_EXEC");
  auto* tls_cert = server_cmd
                       ->add_option("--tls-cert", server.tls_cert,
                                    "PEM certificate (chain) for HTTPS on --listen")
                       ->envname("NINEV_TLS_CERT")
                       ->check(CLI::ExistingFile);
  auto* tls_key =
      server_cmd->add_option("--tls-key", server.tls_key, "PEM private key for --tls-cert")
          ->envname("NINEV_TLS_KEY")
          ->check(CLI::ExistingFile);
  tls_cert->needs(tls_key);
  tls_key->needs(tls_cert);
  server_cmd
      ->add_option("--workers", server.workers,
                   "check engine threads (one event loop each); 0 = one per core")
      ->envname("NINEV_WORKERS")
      ->capture_default_str();
  server_cmd
      ->add_option("--max-exec", server.max_exec,
                   "exec checks running at once, across the engine threads; more wait (late, "
                   "and skipped if still waiting when due again) so slow plugins cannot "
                   "exhaust processes or file descriptors")
      ->envname("NINEV_MAX_EXEC")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  server_cmd
      ->add_option("--external-url", server.external_url,
                   "this cluster's URL as operators reach it (e.g. behind a load balancer); "
                   "alerts link to the check's page under it")
      ->envname("NINEV_EXTERNAL_URL");
  server_cmd->add_flag("-d,--debug", server.debug, "debug logging")->envname("NINEV_DEBUG");
  server_cmd
      ->add_option("--load", server.load,
                   "config dirs to apply at start (like `9volt cfg --nosync`); may repeat")
      ->check(CLI::ExistingPath);

  cfg_cmd = app.add_subcommand(
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

  check_cmd = app.add_subcommand(
      "check",
      "Run the monitors of a YAML file once, here, without etcd, and print the results. Exit "
      "code = the worst result: 0 ok, 1 warning, 2 critical, 3 unknown (or invalid input).");
  check_cmd->add_option("file", check.file, "YAML file (or directory) with a monitor: section")
      ->required();
  check_cmd->add_option("names", check.names, "monitors to run (default: every enabled one)");
  check_cmd->add_flag("--json", check.json, "print the results as JSON");

  version_cmd = app.add_subcommand("version", "Print the version");
}

int Cli::run() {
  if (*version_cmd) {
    std::cout << "9volt " << common::kSemVer << " (" << common::kGitSha << ")\n";
    return 0;
  }
  if (*server_cmd) {
    common::setupLogging(server.debug);
    return runServer(server);
  }
  if (*check_cmd) {
    common::setupLogging(false);
    return runCheck(check);
  }
  if (*cfg_cmd) {
    common::setupLogging(false);
    return runCfg(cfg);
  }
  return 0;
}

}  // namespace ninevolt::app
