#pragma once

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/result.h"
#include "etcd/client.h"

namespace ninevolt::app {

// The etcd flags `server` and `cfg` share (names and NINEV_* variables as the original).
struct EtcdFlags {
  std::vector<std::string> members;  // -e; empty = not given
  std::string prefix = "9volt";      // -p
  std::string userpass;              // -U user:pass
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string data_dir = "./9volt-data";  // where an embedded etcd lives
  std::string timeout = "5s";             // per etcd call

  void addTo(CLI::App& cmd);
  bool given() const { return !members.empty(); }
  // ClientOptions for the given endpoints (validates user:pass and the timeout).
  Result<etcd::ClientOptions> clientOptions(std::vector<std::string> endpoints) const;
};

// The file in data_dir where `9volt server` records the endpoint of the etcd it started,
// so that `9volt cfg` without -e finds it.
std::string embeddedEndpointFile(const std::string& data_dir);

}  // namespace ninevolt::app
