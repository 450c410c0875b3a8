#include "config/monitor_fields.h"

#include <array>

namespace ninevolt::config {
namespace detail {
namespace {

using M = MonitorSpec;
constexpr unsigned kNetBits = kHttpBit | kTcpBit | kDnsBit;
constexpr int64_t kIntMax = std::numeric_limits<int>::max();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

// Defaults live in MonitorSpec's member initialisers, except the type-dependent ones
// (port, timeout) which parseMonitor applies after reading.
const auto kFields = std::to_array<MonitorField>({
    // common
    {"type", kAllBits, kAllBits, std::monostate{}},
    {"description", kAllBits, 0, &M::description},
    {"host", kAllBits, kNetBits, &M::host},
    {"port", kAllBits, kTcpBit, &M::port, 1, 65535},
    {"interval", kAllBits, kAllBits, &M::interval},
    {"timeout", kAllBits, 0, &M::timeout},
    {"expect", kAllBits, 0, &M::expect},
    {"disable", kAllBits, 0, &M::disable},
    // The original 9volt's configs carry `enabled` (it ignored the field); kept as !disable.
    {"enabled", kAllBits, 0, &M::enabled},
    {"tags", kAllBits, 0, &M::tags},
    {"member-tag", kAllBits, 0, &M::member_tag},
    {"warning-threshold", kAllBits, 0, &M::warning_threshold, 0, kIntMax},
    {"critical-threshold", kAllBits, 0, &M::critical_threshold, 0, kIntMax},
    {"warning-alerter", kAllBits, 0, &M::warning_alerter},
    {"critical-alerter", kAllBits, 0, &M::critical_alerter},
    // http
    {"url", kHttpBit, 0, &M::url},
    {"method", kHttpBit, 0, &M::method},
    {"ssl", kHttpBit, 0, &M::ssl},
    {"status-code", kHttpBit, 0, &M::status_code, 100, 599},
    {"request-body", kHttpBit, 0, &M::request_body},
    {"headers", kHttpBit, 0, &M::headers},
    {"tls-verify", kHttpBit, 0, &M::tls_verify},
    {"follow-redirects", kHttpBit, 0, &M::follow_redirects},
    {"cert-expiry-warning", kHttpBit, 0, &M::cert_expiry_warning},
    {"max-body", kHttpBit, 0, &M::max_body, 1, kInt64Max},
    // tcp
    {"send", kTcpBit, 0, &M::send},
    {"read-timeout", kTcpBit, 0, &M::read_timeout},
    {"write-timeout", kTcpBit, 0, &M::write_timeout},
    {"read-size", kTcpBit, 0, &M::read_size, 1, kIntMax},
    // dns
    {"dns-target", kDnsBit, kDnsBit, &M::dns_target},
    {"dns-record-type", kDnsBit, 0, &M::dns_record_type},
    {"dns-max-time", kDnsBit, 0, &M::dns_max_time},
    {"dns-expected-count", kDnsBit, 0, &M::dns_expected_count, 0, kIntMax},
    // exec
    {"command", kExecBit, kExecBit, &M::command},
    {"args", kExecBit, 0, &M::args},
    // Exit statuses are 0..255 on every platform we run on.
    {"return-code", kExecBit, 0, &M::return_code, 0, 255},
    {"plugin", kExecBit, 0, &M::plugin},
    {"max-output", kExecBit, 0, &M::max_output, 1, kInt64Max},
});

}  // namespace

unsigned typeBit(CheckType type) {
  switch (type) {
    case CheckType::kHttp:
      return kHttpBit;
    case CheckType::kTcp:
      return kTcpBit;
    case CheckType::kDns:
      return kDnsBit;
    case CheckType::kExec:
      return kExecBit;
  }
  return 0;
}

std::span<const MonitorField> monitorFieldTable() {
  return kFields;
}

const MonitorField* findMonitorField(std::string_view name) {
  for (const auto& f : monitorFieldTable()) {
    if (f.name == name) {
      return &f;
    }
  }
  return nullptr;
}

}  // namespace detail

std::string_view checkTypeName(CheckType type) {
  switch (type) {
    case CheckType::kHttp:
      return "http";
    case CheckType::kTcp:
      return "tcp";
    case CheckType::kDns:
      return "dns";
    case CheckType::kExec:
      return "exec";
  }
  return "unknown";
}

std::optional<CheckType> parseCheckType(std::string_view name) {
  for (CheckType t : detail::kAllCheckTypes) {
    if (checkTypeName(t) == name) {
      return t;
    }
  }
  return std::nullopt;
}

std::vector<std::string_view> monitorFields(CheckType type) {
  std::vector<std::string_view> out;
  for (const auto& f : detail::monitorFieldTable()) {
    if ((f.types & detail::typeBit(type)) != 0) {
      out.push_back(f.name);
    }
  }
  return out;
}

}  // namespace ninevolt::config
