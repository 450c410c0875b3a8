#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "config/problems.h"

namespace re2 {
class RE2;
}

namespace ninevolt::config {

using common::Nanos;

enum class CheckType { kHttp, kTcp, kDns, kExec };
std::string_view checkTypeName(CheckType type);
// "http" -> kHttp; nullopt for anything else (case-sensitive, as configs are).
std::optional<CheckType> parseCheckType(std::string_view name);

// A monitor (check) with every field of REFERENCE-9volt.md, defaults applied. Built only
// by parseMonitor(), so a MonitorSpec that exists is valid.
struct MonitorSpec {
  std::string name;
  CheckType type = CheckType::kHttp;

  // common
  std::string description;
  std::string host;
  int port = 0;  // defaulted per type: http 80/443 by ssl, dns 53; required for tcp
  Nanos interval{0};
  Nanos timeout{0};  // type default (http/exec/dns 3s, tcp 4s), capped at interval if unset
  std::string expect;
  bool disable = false;
  bool enabled = true;  // the original 9volt's field, kept for its configs: !disable
  std::vector<std::string> tags;
  std::string member_tag;
  int warning_threshold = 0;
  int critical_threshold = 0;
  std::vector<std::string> warning_alerter;
  std::vector<std::string> critical_alerter;

  // http
  std::string url = "/";  // path + query, kept as written
  std::string method = "GET";
  bool ssl = false;
  int status_code = 200;
  std::string request_body;
  std::map<std::string, std::string> headers;
  bool tls_verify = true;
  bool follow_redirects = true;
  std::optional<Nanos> cert_expiry_warning;
  int64_t max_body = int64_t{1} << 20;

  // tcp
  std::string send;
  Nanos read_timeout = std::chrono::seconds(2);
  Nanos write_timeout = std::chrono::seconds(2);
  int read_size = 4096;

  // dns (host = server to ask)
  std::string dns_target;
  std::string dns_record_type = "A";
  std::optional<Nanos> dns_max_time;
  std::optional<int> dns_expected_count;
  // expect compiled once here (default "."), never at run time.
  std::shared_ptr<const re2::RE2> expect_regex;  // dns: expect, compiled (RE2 syntax)

  // exec
  std::string command;
  std::vector<std::string> args;
  int return_code = 0;
  std::string plugin;  // "" or "nagios"
  int64_t max_output = int64_t{64} * 1024;

  // The object exactly as written (YAML converted to JSON, or the JSON body/etcd value):
  // what is stored in etcd, so defaults can improve without rewriting users' configs.
  nlohmann::json raw;
};

// An alerter: {"type","description","options":{...}} with string option values.
struct AlerterSpec {
  std::string name;
  std::string type;  // slack | pagerduty | email | webhook
  std::string description;
  std::map<std::string, std::string> options;
  nlohmann::json raw;
};

// Limits on what one object may hold (docs/configs.md, "Limits"). They keep every value
// well inside what etcd accepts (1.5 MiB per request) and what a member should hold.
struct ConfigLimits {
  static constexpr size_t kMaxNameBytes = 128;
  static constexpr size_t kMaxStringBytes = 64 * 1024;   // any one string field
  static constexpr size_t kMaxListItems = 1000;          // tags, args, alerter lists, headers
  static constexpr size_t kMaxObjectBytes = 256 * 1024;  // the object as JSON
  static constexpr Nanos kMinInterval = std::chrono::milliseconds(100);
};

// Name rule for monitors and alerters: [A-Za-z0-9._-]{1,128}, not "." or "..".
bool validName(std::string_view name);
// Why a name breaks that rule ("character '\x01' at byte 3 is not allowed; ..."), or "" when
// it is valid. The name is quoted safely (control bytes and non-UTF-8 escaped).
std::string nameProblem(std::string_view name);

// Whether a stored monitor value is disabled: `disable: true`, or the original 9volt's
// `enabled: false`. For code that reads monitors without parsing them (placement, listings).
bool monitorDisabled(const nlohmann::json& value);

// Parse + validate one object. On any problem, returns nullopt and appends every problem
// found (not just the first) to `problems`.
std::optional<MonitorSpec> parseMonitor(std::string_view name, const nlohmann::json& value,
                                        Problems& problems);
std::optional<AlerterSpec> parseAlerter(std::string_view name, const nlohmann::json& value,
                                        Problems& problems);

// Cross-object rule: every alerter a monitor names must exist. One problem per missing
// reference ("monitor 'web': critical-alerter: unknown alerter 'pd' (did you mean 'pd1'?)").
Problems checkAlerterReferences(const MonitorSpec& monitor,
                                const std::set<std::string>& alerter_names);

// A config document (one YAML file, or an API body): top-level `monitor:` and/or `alerter:`
// maps of name -> object. Unknown top-level keys and non-map sections are problems.
struct Document {
  bool has_monitor = false;
  bool has_alerter = false;
  nlohmann::json monitors = nlohmann::json::object();
  nlohmann::json alerters = nlohmann::json::object();
};
Document splitDocument(const nlohmann::json& root, Problems& problems);

// Names of the fields a monitor of this type accepts (for docs and did-you-mean).
std::vector<std::string_view> monitorFields(CheckType type);

}  // namespace ninevolt::config
