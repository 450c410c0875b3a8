#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "checks/check.h"
#include "config/spec.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace ninevolt::testing {

// A dns MonitorSpec through the real config parser (defaults, compiled regex). `fields`
// are merged over {type: dns, host: 127.0.0.1, interval: 10s}.
config::MonitorSpec dnsSpec(uint16_t port, nlohmann::json fields);

// Runs one check to completion on io (which may also drive fake servers) and returns its
// result; nullopt if done was not called within the deadline.
std::optional<checks::CheckResult> runCheck(
    boost::asio::io_context& io, const config::MonitorSpec& spec,
    std::chrono::milliseconds deadline = std::chrono::seconds(10));

std::optional<std::chrono::nanoseconds> phase(const checks::CheckResult& result,
                                              const std::string& name);

// dnsmasq on 127.0.0.1:<free port>, serving `config` (dnsmasq.conf lines) and nothing else.
// Waits until it answers `probe_name` (A); the destructor kills it (SIGKILL by pid) and reaps.
class Dnsmasq {
 public:
  Dnsmasq(const std::string& config, const std::string& probe_name);
  uint16_t port() const { return port_; }
  std::string log() const { return process_ ? process_->output() : ""; }

 private:
  TempDir dir_;
  uint16_t port_ = 0;
  std::unique_ptr<Process> process_;
};

}  // namespace ninevolt::testing
