#pragma once

#include <string>
#include <vector>

#include "app/etcd_flags.h"

namespace ninevolt::app {

struct ServerOptions {
  EtcdFlags etcd;
  std::string listen = "0.0.0.0:8080";
  std::vector<std::string> tags;
  std::string location;                    // where this member runs (--location); "" = none
  std::vector<std::string> access_tokens;  // API tokens, read-write
  std::vector<std::string> read_tokens;    // API tokens, read-only
  bool metrics_auth = false;               // /metrics needs a token too
  bool api_allow_exec = false;             // exec monitors may be written through the API
  std::string tls_cert;                    // both set: the API serves HTTPS
  std::string tls_key;
  bool debug = false;
  std::vector<std::string> load;  // config dirs applied at start (no deletes)
  size_t workers = 0;             // engine threads; 0 = one per core
  size_t max_exec = 256;          // exec checks running at once
  std::string external_url;       // links in alerts; "" = none
};

// `9volt server`: joins the cluster (starting a private etcd first when no -e is given) and
// serves the HTTP endpoints until SIGINT/SIGTERM. Returns the process exit code.
int runServer(const ServerOptions& options);

}  // namespace ninevolt::app
