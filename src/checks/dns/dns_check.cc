#include "checks/dns/dns_check.h"

#include <memory>

#include "checks/dns/dns_run.h"
#include "checks/per_run_check.h"

namespace ninevolt::checks {
namespace {

class DnsCheckFactory final : public CheckFactory {
 public:
  std::unique_ptr<Check> create(const config::SharedMonitor& spec,
                                boost::asio::io_context& io) const override {
    return PerRunCheck<dns::DnsRun>::forMonitor(spec, io);
  }
};

}  // namespace

std::unique_ptr<CheckFactory> makeDnsCheckFactory() {
  return std::make_unique<DnsCheckFactory>();
}

}  // namespace ninevolt::checks

std::unique_ptr<ninevolt::checks::CheckFactory> ninevolt::checks::dns::makeFactory(
    const FactoryContext& /*context*/) {
  return makeDnsCheckFactory();
}
