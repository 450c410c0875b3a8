#include "dns_harness.h"

#include <stdexcept>

#include <gtest/gtest.h>

#include "checks/dns/dns_check.h"
#include "support/etcd_fixture.h"  // eventually()

namespace ninevolt::testing {

config::MonitorSpec dnsSpec(uint16_t port, nlohmann::json fields) {
  nlohmann::json value = {
      {"type", "dns"}, {"host", "127.0.0.1"}, {"port", port}, {"interval", "10s"}};
  value.update(fields);
  config::Problems problems;
  auto spec = config::parseMonitor("dns-test", value, problems);
  if (!spec) {
    std::string all;
    for (const auto& p : problems) {
      all += p.toString() + "\n";
    }
    throw std::invalid_argument("bad test spec: " + all);
  }
  return *spec;
}

std::optional<checks::CheckResult> runCheck(boost::asio::io_context& io,
                                            const config::MonitorSpec& spec,
                                            std::chrono::milliseconds deadline) {
  auto factory = checks::makeDnsCheckFactory();
  auto check = factory->create(spec, io);
  std::optional<checks::CheckResult> result;
  int calls = 0;
  check->start([&](checks::CheckResult r) {
    ++calls;
    result = std::move(r);
  });
  EXPECT_FALSE(result) << "done called from inside start()";
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!result && std::chrono::steady_clock::now() < until) {
    io.run_one_for(std::chrono::milliseconds(50));
    io.restart();
  }
  // Whatever else is queued (fake servers) runs briefly: done must not be called again.
  io.poll();
  io.restart();
  EXPECT_LE(calls, 1);
  return result;
}

std::optional<std::chrono::nanoseconds> phase(const checks::CheckResult& result,
                                              const std::string& name) {
  for (const auto& [n, d] : result.phases) {
    if (n == name) {
      return d;
    }
  }
  return std::nullopt;
}

Dnsmasq::Dnsmasq(const std::string& config, const std::string& probe_name) {
  const auto conf = dir_.write("dnsmasq.conf", config);
  // freePort() is free for TCP; dnsmasq also needs it for UDP. If it cannot bind, it exits:
  // then try another port.
  std::string last_output;
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = freePort();
    process_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/sbin/dnsmasq", "--no-daemon", "--no-resolv", "--no-hosts",
                                 "--port=" + std::to_string(port_), "--listen-address=127.0.0.1",
                                 "--bind-interfaces", "--conf-file=" + conf.string(),
                                 "--pid-file=", "--user=root", "--group=root", "--log-queries",
                                 "--log-facility=-"},
        std::map<std::string, std::string>{}, (dir_.path() / "dnsmasq.log").string());
    boost::asio::io_context io;
    const auto probe = dnsSpec(port_, {{"dns-target", probe_name}, {"timeout", "200ms"}});
    bool exited = false;
    const bool up = eventually([&] {
      if (process_->wait(std::chrono::milliseconds(0)).has_value()) {
        exited = true;
        return true;
      }
      auto r = runCheck(io, probe, std::chrono::seconds(1));
      return r && r->status == checks::Status::kOk;
    });
    if (up && !exited) {
      return;
    }
    last_output = process_->output();
    if (!exited) {
      break;  // running but not answering: a real problem, not a port clash
    }
  }
  throw std::runtime_error("dnsmasq did not answer: " + last_output);
}

}  // namespace ninevolt::testing
