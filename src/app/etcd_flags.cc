#include "app/etcd_flags.h"

#include <filesystem>

#include <fmt/format.h>

#include "common/duration.h"

namespace ninevolt::app {

void EtcdFlags::addTo(CLI::App& cmd) {
  cmd.add_option("-e,--etcd-members", members,
                 "etcd endpoints, comma separated or repeated (http://host:2379, "
                 "https://host:2379). Not given: `server` starts a private etcd in --data-dir")
      ->delimiter(',')
      ->envname("NINEV_ETCD_MEMBERS");
  cmd.add_option("-p,--etcd-prefix", prefix, "key prefix in etcd")
      ->envname("NINEV_ETCD_PREFIX")
      ->capture_default_str();
  cmd.add_option("-U,--etcd-userpass", userpass, "etcd credentials as user:pass")
      ->envname("NINEV_ETCD_USERPASS");
  cmd.add_option("--etcd-ca", ca_file, "CA certificate (PEM) to verify etcd's TLS certificate")
      ->envname("NINEV_ETCD_CA");
  cmd.add_option("--etcd-cert", cert_file, "client certificate (PEM) for etcd TLS auth")
      ->envname("NINEV_ETCD_CERT");
  cmd.add_option("--etcd-key", key_file, "client key (PEM) for etcd TLS auth")
      ->envname("NINEV_ETCD_KEY");
  cmd.add_option("--etcd-timeout", timeout, "deadline of each etcd call")
      ->envname("NINEV_ETCD_TIMEOUT")
      ->capture_default_str();
  cmd.add_option("--data-dir", data_dir,
                 "local data directory (the private etcd lives here when no -e is given)")
      ->envname("NINEV_DATA_DIR")
      ->capture_default_str();
}

Result<etcd::ClientOptions> EtcdFlags::clientOptions(std::vector<std::string> endpoints) const {
  etcd::ClientOptions o;
  o.endpoints = std::move(endpoints);
  if (!userpass.empty()) {
    auto colon = userpass.find(':');
    if (colon == std::string::npos || colon == 0) {
      return fail(Errc::kInvalidArgument, "--etcd-userpass: expected user:pass");
    }
    o.username = userpass.substr(0, colon);
    o.password = userpass.substr(colon + 1);
  }
  o.tls.ca_file = ca_file;
  o.tls.cert_file = cert_file;
  o.tls.key_file = key_file;
  auto t = common::parseDuration(timeout);
  if (!t) {
    return fail(Errc::kInvalidArgument, "--etcd-timeout: " + t.error().message);
  }
  if (t->count() <= 0) {
    return fail(Errc::kInvalidArgument, "--etcd-timeout: must be positive");
  }
  o.call_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*t);
  return o;
}

std::string embeddedEndpointFile(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "etcd-endpoint").string();
}

}  // namespace ninevolt::app
