#pragma once

// Query parameters and answers shared by the /api/v1 handlers.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/request.h"
#include "common/result.h"
#include "config/problems.h"

namespace ninevolt::api::v1 {

// ?limit=N: a whole number in 1..max, default when absent. Problems name the parameter.
size_t limitParam(const Request& request, size_t default_limit, size_t max_limit,
                  config::Problems& problems);
// ?x=true|false (also 1/0, yes/no); nullopt when absent.
std::optional<bool> boolParam(const Request& request, const std::string& name,
                              config::Problems& problems);
// A problem about a query parameter: object "query", field = the parameter.
void badParam(config::Problems& problems, const std::string& name, const std::string& message);

// An etcd failure as an answer: 503 (the member cannot reach etcd) or 504 (deadline).
Response storeError(const Error& error);

// {"status":"ok", ...extra}
Response ok(int status, nlohmann::json extra = nlohmann::json::object());

}  // namespace ninevolt::api::v1
