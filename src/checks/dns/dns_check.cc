#include "checks/dns/dns_check.h"

#include <memory>
#include <utility>

#include "checks/dns/dns_run.h"

namespace ninevolt::checks {
namespace {

class DnsCheck final : public Check {
 public:
  DnsCheck(const config::MonitorSpec& spec, boost::asio::io_context& io)
      : spec_(std::make_shared<const config::MonitorSpec>(spec)), io_(io) {}
  ~DnsCheck() override { cancel(); }
  DnsCheck(const DnsCheck&) = delete;
  DnsCheck& operator=(const DnsCheck&) = delete;
  DnsCheck(DnsCheck&&) = delete;
  DnsCheck& operator=(DnsCheck&&) = delete;

  void start(DoneFn done) override {
    cancel();  // the engine never overlaps runs; if it did, the old one must stay silent
    run_ = std::make_shared<dns::DnsRun>(spec_, io_, std::move(done));
    run_->start();
  }

  void cancel() override {
    if (run_) {
      run_->abort();
      run_.reset();
    }
  }

 private:
  // Shared with runs: a handler that fires after this check is gone still reads it safely.
  std::shared_ptr<const config::MonitorSpec> spec_;
  boost::asio::io_context& io_;
  std::shared_ptr<dns::DnsRun> run_;
};

class DnsCheckFactory final : public CheckFactory {
 public:
  std::unique_ptr<Check> create(const config::MonitorSpec& spec,
                                boost::asio::io_context& io) const override {
    return std::make_unique<DnsCheck>(spec, io);
  }
};

}  // namespace

std::unique_ptr<CheckFactory> makeDnsCheckFactory() {
  return std::make_unique<DnsCheckFactory>();
}

}  // namespace ninevolt::checks
