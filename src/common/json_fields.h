#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace ninevolt::common {

// Field reads on untrusted JSON (etcd values, request bodies) that never throw. nlohmann's
// j.value("k", fallback) throws type_error 302 when "k" exists with another type, so one
// hand-written `"disable":"yes"` in etcd would fail every request that reads it. Here a
// missing field, a field of another type, or a value that is not an object gives the fallback.

// The field, or nullptr (not an object, or no such field).
const nlohmann::json* findField(const nlohmann::json& object, const char* key);
std::string stringField(const nlohmann::json& object, const char* key,
                        const std::string& fallback = {});
bool boolField(const nlohmann::json& object, const char* key, bool fallback);
// Integers only (a float or a number beyond int64 gives the fallback).
int64_t intField(const nlohmann::json& object, const char* key, int64_t fallback);

}  // namespace ninevolt::common
