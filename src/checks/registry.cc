#include "checks/registry.h"

#include <cstdlib>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace ninevolt::checks {

std::string_view statusName(Status status) {
  switch (status) {
    case Status::kOk:
      return "ok";
    case Status::kWarning:
      return "warning";
    case Status::kCritical:
      return "critical";
    case Status::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::string_view failureName(Failure failure) {
  switch (failure) {
    case Failure::kNone:
      return "";
    case Failure::kTimeout:
      return "timeout";
    case Failure::kResolve:
      return "resolve";
    case Failure::kConnect:
      return "connect";
    case Failure::kTls:
      return "tls";
    case Failure::kProtocol:
      return "protocol";
    case Failure::kStatusCode:
      return "status_code";
    case Failure::kExpect:
      return "expect";
    case Failure::kSlow:
      return "slow";
    case Failure::kCertExpiry:
      return "cert_expiry";
    case Failure::kPlugin:
      return "plugin";
    case Failure::kMissed:
      return "missed";
    case Failure::kError:
      return "error";
    case Failure::kOther:
      return "other";
  }
  return "other";
}

void Registry::add(std::string_view type, std::unique_ptr<CheckFactory> factory) {
  if (frozen_) {
    // A programming error in main(): fail loudly at start-up, never silently.
    spdlog::critical("checks::Registry::add after freeze()");
    std::abort();
  }
  for (auto& [name, f] : factories_) {
    if (name == type) {
      f = std::move(factory);
      return;
    }
  }
  factories_.emplace_back(std::string(type), std::move(factory));
}

const CheckFactory* Registry::find(std::string_view type) const {
  for (const auto& [name, f] : factories_) {
    if (name == type) {
      return f.get();
    }
  }
  return nullptr;
}

Result<std::unique_ptr<Check>> Registry::create(const config::SharedMonitor& spec,
                                                boost::asio::io_context& io) const {
  const CheckFactory* f = find(spec->typeName());
  if (f == nullptr) {
    return fail(Errc::kInvalidArgument,
                fmt::format("monitor '{}': no check implementation for type {}", spec->name,
                            spec->typeName()));
  }
  return f->create(spec, io);
}

}  // namespace ninevolt::checks
