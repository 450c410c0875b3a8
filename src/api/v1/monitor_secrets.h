#pragma once

// Monitor fields a check type marks secret (config::FieldInfo::secret, e.g. push's token),
// as the API handles them: never shown, kept when a client writes back what it was shown,
// made when a generated one is left out of a new monitor.

#include <string>

#include <nlohmann/json.hpp>

#include "config/problems.h"

namespace ninevolt::api::v1 {

// The stored value with every secret field of its type replaced by "<redacted>" (values of
// an unknown type are shown as they are: no type, no secret fields).
nlohmann::json redactedMonitor(const nlohmann::json& value);

// Before a monitor is validated and written: a secret field whose value is "<redacted>" (a
// client writing back what GET showed) takes the stored monitor's value; a generated one
// left out takes the stored value, or a new secret, which is added to `made` as
// {"<field>": "<secret>"}: the only time the API shows it. `stored` is the monitor as stored
// now (nullptr when there is none). Problems name the field.
void fillSecrets(const std::string& name, nlohmann::json& value, const nlohmann::json* stored,
                 nlohmann::json& made, config::Problems& problems);

// 24 random bytes (OpenSSL's CSPRNG) as 32 base64url characters.
std::string newSecret();

}  // namespace ninevolt::api::v1
