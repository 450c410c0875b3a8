#pragma once

// Alerter options beyond parsing: which ones are secret (for redaction in API output, logs
// and events) and the few option values with a structure of their own (webhook `headers`,
// email `to`), read the same way by the validator and by the alerter types.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "config/spec.h"

namespace ninevolt::config {

// What a secret value is replaced with.
inline constexpr std::string_view kRedacted = "<redacted>";

// True for options whose value must never be shown: slack token and webhook-url, pagerduty
// routing-key and token, email password, webhook secret and headers (header values).
bool isSecretOption(std::string_view type, std::string_view option);

// The alerter as written (spec.raw: {"type","description","options"}; built from the spec's
// fields when raw is not an object) with every secret option value replaced by "<redacted>";
// for webhook `headers` the names stay and each value is redacted ("Authorization:
// <redacted>"). For API output, logs and events.
nlohmann::json redactedAlerter(const AlerterSpec& spec);

// Every secret value of the spec (each header value separately), longest first: what an
// alerter scrubs from error text that might echo it (a receiver's reply, a URL).
std::vector<std::string> alerterSecretValues(const AlerterSpec& spec);

// webhook `headers`: one "Name: value" per line (a YAML block scalar `|` reads naturally);
// blank lines are skipped. Names are HTTP tokens; values are trimmed, must not be empty;
// Content-Length and Transfer-Encoding are refused (the client sets them). The error names
// the line number, never the value.
using HeaderList = std::vector<std::pair<std::string, std::string>>;
Result<HeaderList> parseHeaderLines(std::string_view text);

// email `to`: a comma-separated list of addresses, trimmed, empty entries skipped.
std::vector<std::string> splitAddressList(std::string_view text);

}  // namespace ninevolt::config
