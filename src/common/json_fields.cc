#include "common/json_fields.h"

#include <limits>

namespace ninevolt::common {

const nlohmann::json* findField(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) {
    return nullptr;
  }
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string stringField(const nlohmann::json& object, const char* key,
                        const std::string& fallback) {
  const auto* v = findField(object, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : fallback;
}

bool boolField(const nlohmann::json& object, const char* key, bool fallback) {
  const auto* v = findField(object, key);
  return v != nullptr && v->is_boolean() ? v->get<bool>() : fallback;
}

int64_t intField(const nlohmann::json& object, const char* key, int64_t fallback) {
  const auto* v = findField(object, key);
  if (v == nullptr) {
    return fallback;
  }
  if (v->is_number_integer() && !v->is_number_unsigned()) {
    return v->get<int64_t>();
  }
  if (v->is_number_unsigned()
      && v->get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return static_cast<int64_t>(v->get<uint64_t>());
  }
  return fallback;
}

}  // namespace ninevolt::common
