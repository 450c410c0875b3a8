#include "app/server_command.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "api/auth.h"
#include "api/http_server.h"
#include "api/v1/routes.h"
#include "api/v1/stream_hub.h"
#include "app/cfg_command.h"
#include "app/cluster_node.h"
#include "app/data_dir.h"
#include "cluster/membership.h"
#include "cluster/settings.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/printable.h"
#include "common/strings.h"
#include "common/version.h"
#include "common/yaml_json.h"
#include "config/spec.h"
#include "etcd/embedded_etcd.h"
#include "etcd/metrics.h"
#include "metrics/text.h"
#include "store/store.h"
#include "ui_assets/ui_routes.h"

namespace ninevolt::app {
namespace {

constexpr auto kEtcdWaitLimit = std::chrono::seconds(30);

std::string versionText() {
  return fmt::format("9volt {} - {}", common::kSemVer, common::kGitSha);
}

// Waits until etcd answers, logging while it does not: a cluster's etcd may come up after us.
Result<etcd::StatusInfo> waitForEtcd(etcd::Client& client) {
  auto until = std::chrono::steady_clock::now() + kEtcdWaitLimit;
  while (true) {
    auto status = client.status();
    if (status || std::chrono::steady_clock::now() >= until) {
      return status;
    }
    spdlog::warn("etcd not answering yet: {} (retrying for up to {}s)", status.error().message,
                 kEtcdWaitLimit.count());
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

// The current health of this member, as /status/check reports it. Loop thread only.
struct Health {
  bool ok = false;
  std::string message = "starting";
};

// The whole /metrics text: who we are, the etcd client's numbers, then the node's.
void renderMetrics(const ClusterNode& node, const std::string& member_id,
                   const std::string& location, std::string& out) {
  metrics::Writer w(out);
  w.gauge("ninevolt_build_info", "Always 1; the labels say which 9volt this is.", uint64_t{1},
          {{"version", common::kSemVer}, {"revision", common::kGitSha}});
  w.gauge("ninevolt_member_info",
          "Always 1; the labels say which member this is and where it runs (--location, \"\" "
          "for none).",
          uint64_t{1}, {{"member", member_id}, {"location", location}});
  etcd::clientMetrics().render(w);
  node.renderMetrics(out);
}

api::Router makeRouter(const std::string& member_id, const Health& health, const ClusterNode& node,
                       const ServerOptions& options, std::shared_ptr<store::Store> store,
                       std::shared_ptr<api::v1::StreamHub> stream) {
  api::Router router;
  const api::RouteOptions open{.access = api::Access::kOpen};
  router.get(
      "/",
      [](const api::Request&) {
        return api::Response::text(
            200,
            "9volt: GET /status/check (health), GET /version, GET /metrics, /api/v1/... "
            "(docs/api.md).\n");
      },
      open);
  router.get(
      "/version",
      [](const api::Request&) {
        return api::Response::json(
            200, common::dumpJson({{"status", "version"}, {"message", versionText()}}));
      },
      open);
  api::TokenAuth auth(options.access_tokens, options.read_tokens);
  if (!auth.enabled()) {
    spdlog::warn(
        "API: no --access-tokens or --read-tokens: /api/v1 is open to anyone who can "
        "reach {}",
        options.listen);
  }
  router.setAuthorizer(auth.authorizer());
  api::v1::addRoutes(router, {.store = std::move(store),
                              .allow_exec = options.api_allow_exec,
                              .authorize = auth.authorizer(),
                              .stream = std::move(stream),
                              .member_id = member_id,
                              .on_event = [&node](const char* kind, const std::string& check,
                                                  const std::string& message) {
                                node.events().record(store::kEventInfo, kind, message, check);
                              }});
  ui_assets::addRoutes(router);  // /ui: the embedded web UI (open; its API calls carry tokens)
  if (options.metrics_auth && !auth.enabled()) {
    spdlog::warn("--metrics-auth without --access-tokens or --read-tokens: /metrics stays open");
  }
  router.get(
      "/metrics",
      [&node, member_id, location = options.location](const api::Request&) {
        api::Response r;
        r.content_type = std::string(metrics::kContentType);
        renderMetrics(node, member_id, location, r.body);
        return r;
      },
      // On the worker pool: rendering 100,000 checks takes ~0.1 s (src/metrics/README.md),
      // too long to hold up the loop (it never calls etcd).
      {.access = options.metrics_auth ? api::Access::kRead : api::Access::kOpen, .blocking = true});
  router.get(
      "/status/check",
      [member_id, &health, &node](const api::Request&) {
        // Original body: {"status": "ok", "message": "MemberID <id>"}; when unhealthy (not
        // registered, or etcd unreachable: degraded) the status says why.
        std::string problem = health.ok ? node.etcdProblem() : health.message;
        nlohmann::json body{{"status", problem.empty() ? "ok" : problem},
                            {"message", "MemberID " + member_id}};
        return api::Response::json(problem.empty() ? 200 : 500, common::dumpJson(body));
      },
      open);
  return router;
}

std::string browsable(const std::string& listen, uint16_t port, bool tls) {
  auto hp = api::splitHostPort(listen);
  std::string host = hp ? hp->first : "127.0.0.1";
  if (host == "0.0.0.0" || host == "::") {
    host = "127.0.0.1";
  }
  if (host.find(':') != std::string::npos) {
    host = "[" + host + "]";
  }
  return fmt::format("{}://{}:{}", tls ? "https" : "http", host, port);
}

}  // namespace

int runServer(const ServerOptions& options) {
  if (!config::validLocation(options.location)) {
    spdlog::error(
        "--location: '{}' is not a location name (letters, digits, '.', '_' and '-', "
        "at most 128 characters; not \"all\", which monitors use for every location)",
        common::printable(options.location, 80));
    return 2;
  }
  std::unique_ptr<DataDirLock> lock;
  std::unique_ptr<etcd::EmbeddedEtcd> embedded;
  std::vector<std::string> endpoints = options.etcd.members;
  const std::string endpoint_file = embeddedEndpointFile(options.etcd.data_dir);
  if (!options.etcd.given()) {
    auto locked = DataDirLock::acquire(options.etcd.data_dir);
    if (!locked) {
      spdlog::error("{}", locked.error().message);
      return 1;
    }
    lock = std::move(*locked);
    etcd::EmbeddedEtcd::Options eo;
    eo.data_dir = (std::filesystem::path(options.etcd.data_dir) / "etcd").string();
    eo.log_file = (std::filesystem::path(options.etcd.data_dir) / "etcd.log").string();
    spdlog::info("no etcd given (-e / NINEV_ETCD_MEMBERS): starting a private etcd in {}",
                 eo.data_dir);
    auto started = etcd::EmbeddedEtcd::start(eo);
    if (!started) {
      spdlog::error("cannot start the private etcd: {}", started.error().message);
      return 1;
    }
    embedded = std::move(*started);
    endpoints = {embedded->endpoint()};
    std::ofstream(endpoint_file) << embedded->endpoint() << "\n";
    spdlog::info(
        "private etcd running at {} (pid {}, log {}); other members can join with "
        "-e {}",
        embedded->endpoint(), embedded->pid(), eo.log_file, embedded->endpoint());
  }

  auto client_options = options.etcd.clientOptions(endpoints);
  if (!client_options) {
    spdlog::error("{}", client_options.error().message);
    return 2;
  }
  auto client = etcd::Client::create(*client_options);
  if (!client) {
    spdlog::error("etcd client: {}", client.error().message);
    return 2;
  }
  auto status = waitForEtcd(**client);
  if (!status) {
    spdlog::error("etcd at {} is not reachable: {}", common::join(endpoints, ","),
                  status.error().message);
    return 1;
  }
  spdlog::info("connected to etcd {} at {}", status->version, common::join(endpoints, ","));

  auto store = std::make_shared<store::Store>(*client, options.etcd.prefix);
  // Cluster settings: created with the defaults if absent; bad fields get their defaults
  // (reported by the watch below, which then applies every change live).
  auto settings = cluster::loadSettings(*store);
  if (!settings) {
    spdlog::error("cluster config {}: {}", store->keys().clusterConfig(), settings.error().message);
    return 1;
  }
  const auto ttl = settings->settings.member_ttl;

  if (!options.load.empty()) {
    auto loaded = loadConfigsInto(options.load, *client, options.etcd.prefix);
    if (!loaded) {
      spdlog::error("--load: {}", loaded.error().message);
      return loaded.error().code == Errc::kInvalidArgument ? 2 : 1;
    }
    spdlog::info("--load {}: {} config(s) written, {} already up to date",
                 common::join(options.load, ","), loaded->written, loaded->unchanged);
  }

  boost::asio::io_context io;
  const std::string hostname = common::hostName();
  store::MemberInfo me;
  me.id = common::memberId(hostname, options.listen);
  me.hostname = hostname;
  me.listen = options.listen;
  me.tags = options.tags;
  me.location = options.location;
  me.version = versionText();
  me.started = common::nowRfc3339();

  Health health;
  ClusterNode::Options node_options{
      .member_id = me.id, .workers = options.workers, .max_exec = options.max_exec};
  node_options.external_url = options.external_url;
  node_options.location = options.location;
  node_options.event_retention = settings->settings.event_retention;
  node_options.event_max_count = settings->settings.event_max_count;
  node_options.state_dump_interval = settings->settings.state_dump_interval;
  node_options.storm_threshold = settings->settings.storm_threshold;
  node_options.storm_window = settings->settings.storm_window;
  node_options.watchdog_url = settings->settings.watchdog_url;
  node_options.watchdog_interval = settings->settings.watchdog_interval;
  node_options.cluster_alerter = settings->settings.cluster_alerter;
  node_options.orphan_grace = settings->settings.orphan_grace;
  node_options.canaries = settings->settings.canaries;
  node_options.etcd_compaction_interval = settings->settings.etcd_compaction_interval;
  node_options.member_ttl = ttl;
  ClusterNode node(store, node_options);
  cluster::Membership* membership_ptr = nullptr;
  cluster::Membership membership(
      io, store,
      {.member = me,
       .ttl = ttl,
       .on_change =
           [&health, &node, &membership_ptr](bool ok, const std::string& why) {
             health.ok = ok;
             health.message = ok ? "ok" : why;
             if (membership_ptr == nullptr) {
               return;  // the first registration: started below
             }
             if (ok) {
               node.onRegistered(membership_ptr->leaseId());
             } else {
               node.onLeaseLost();
             }
           },
       .on_lease_moved = [&node](int64_t lease) { node.onLeaseMoved(lease); }});
  if (auto r = membership.start(); !r) {
    spdlog::error("cannot register as a member: {}", r.error().message);
    return 1;
  }
  membership_ptr = &membership;
  node.onRegistered(membership.leaseId());
  cluster::SettingsWatch settings_watch(
      io, store, *settings,
      {.on_change =
           [&membership, &node](const cluster::ClusterSettings& now,
                                const cluster::ClusterSettings&) {
             membership.setTtl(now.member_ttl);
             node.applySettings(now);
           },
       .on_rejected =
           [&node](const std::vector<std::string>& problems) {
             for (const auto& p : problems) {
               node.events().record(store::kEventError, store::event_kind::kConfigRejected, p);
             }
           }});

  // The check count and the degraded flag in the member record (API, UI, placement),
  // refreshed every 2 s when they changed
  // (the write runs on the membership's worker, never on this loop); skipped while etcd is
  // away, where it could only fail.
  boost::asio::steady_timer checks_timer(io);
  bool stopping = false;  // cancel() misses a tick that already fired and is queued
  std::function<void()> refresh_checks = [&] {
    checks_timer.expires_after(std::chrono::seconds(2));
    checks_timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec || stopping) {
        return;
      }
      if (node.etcdProblem().empty()) {
        membership.setChecks(static_cast<int64_t>(node.engineStats().checks));
        membership.setDegraded(node.degraded());
      }
      refresh_checks();
    });
  };
  refresh_checks();

  auto stream_hub = api::v1::StreamHub::create(io, store, {.member_id = me.id});
  auto http = api::HttpServer::start(
      io, {.listen = options.listen, .tls_cert = options.tls_cert, .tls_key = options.tls_key},
      makeRouter(me.id, health, node, options, store, stream_hub));
  if (!http) {
    spdlog::error("{}", http.error().message);
    node.stop();
    membership.stop();
    return 1;
  }
  const std::string base = browsable(options.listen, (*http)->port(), (*http)->tls());
  spdlog::info("{} up: member {} on {}{}{}", versionText(), me.id, options.listen,
               options.tags.empty() ? "" : " tags " + common::join(options.tags, ","),
               options.location.empty() ? "" : " in location " + options.location);
  spdlog::info("API:    {}/", base);
  spdlog::info("health: {}/status/check", base);
  spdlog::info("UI:     {}/ui/", base);

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) {
      return;
    }
    spdlog::info("signal {}: leaving the cluster", signo == SIGINT ? "SIGINT" : "SIGTERM");
    stopping = true;
    checks_timer.cancel();
    node.stop();  // hands over directorship, stops the checks
    membership.stop();
    (*http)->stop([&io] { io.stop(); });  // after open streams sent their end (<= 1 s)
  });
  io.run();
  stream_hub->stop();

  http->reset();
  if (embedded) {
    spdlog::info("stopping the private etcd (pid {})", embedded->pid());
    if (auto r = embedded->stop(); !r) {
      spdlog::warn("private etcd: {}", r.error().message);
    }
    std::error_code ignored;
    std::filesystem::remove(endpoint_file, ignored);
  }
  spdlog::info("stopped");
  return 0;
}

}  // namespace ninevolt::app
