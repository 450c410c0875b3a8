#include "config/type_fields.h"

#include <fmt/format.h>

#include "common/yaml_json.h"

namespace ninevolt::config::detail {
namespace {

template <class T>
bool store(T* out, std::optional<T> value) {
  if (value) {
    *out = std::move(*value);
  }
  return value.has_value();
}

}  // namespace

bool readValue(std::string* out, const nlohmann::json& v, const std::string& field,
               const FieldFlags& flags, ProblemSink& sink) {
  if (flags.secret && !v.is_string()) {
    // The type only: a secret written as a number must not be quoted back.
    sink.add(field, fmt::format("expected a string, got {} (value not shown: {} is secret)",
                                common::jsonTypeName(v), field));
    return false;
  }
  return store(out, readString(v, field, sink));
}

bool readValue(bool* out, const nlohmann::json& v, const std::string& field,
               const FieldFlags& /*flags*/, ProblemSink& sink) {
  return store(out, readBool(v, field, sink));
}

bool readValue(int* out, const nlohmann::json& v, const std::string& field, const FieldFlags& flags,
               ProblemSink& sink) {
  auto n = readInt(v, field, std::max<int64_t>(flags.min, std::numeric_limits<int>::min()),
                   std::min<int64_t>(flags.max, std::numeric_limits<int>::max()), sink);
  if (n) {
    *out = static_cast<int>(*n);
  }
  return n.has_value();
}

bool readValue(int64_t* out, const nlohmann::json& v, const std::string& field,
               const FieldFlags& flags, ProblemSink& sink) {
  return store(out, readInt(v, field, flags.min, flags.max, sink));
}

bool readValue(common::Nanos* out, const nlohmann::json& v, const std::string& field,
               const FieldFlags& /*flags*/, ProblemSink& sink) {
  return store(out, readDuration(v, field, sink));
}

bool readValue(std::optional<common::Nanos>* out, const nlohmann::json& v, const std::string& field,
               const FieldFlags& /*flags*/, ProblemSink& sink) {
  auto d = readDuration(v, field, sink);
  if (d) {
    *out = *d;
  }
  return d.has_value();
}

bool readValue(std::optional<int>* out, const nlohmann::json& v, const std::string& field,
               const FieldFlags& flags, ProblemSink& sink) {
  auto n = readInt(v, field, std::max<int64_t>(flags.min, std::numeric_limits<int>::min()),
                   std::min<int64_t>(flags.max, std::numeric_limits<int>::max()), sink);
  if (n) {
    *out = static_cast<int>(*n);
  }
  return n.has_value();
}

bool readValue(std::vector<std::string>* out, const nlohmann::json& v, const std::string& field,
               const FieldFlags& /*flags*/, ProblemSink& sink) {
  return store(out, readStringList(v, field, sink));
}

bool readValue(std::map<std::string, std::string>* out, const nlohmann::json& v,
               const std::string& field, const FieldFlags& /*flags*/, ProblemSink& sink) {
  return store(out, readStringMap(v, field, sink));
}

// Strings were checked to be UTF-8 when read, so they go out as they are.
nlohmann::json effectiveValue(const std::string& v) {
  return v;
}
nlohmann::json effectiveValue(bool v) {
  return v;
}
nlohmann::json effectiveValue(int v) {
  return v;
}
nlohmann::json effectiveValue(int64_t v) {
  return v;
}
nlohmann::json effectiveValue(common::Nanos v) {
  return common::formatDuration(v);
}
nlohmann::json effectiveValue(const std::optional<common::Nanos>& v) {
  return v ? nlohmann::json(common::formatDuration(*v)) : nlohmann::json();
}
nlohmann::json effectiveValue(const std::optional<int>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}
nlohmann::json effectiveValue(const std::vector<std::string>& v) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : v) {
    out.push_back(effectiveValue(s));
  }
  return out;
}
nlohmann::json effectiveValue(const std::map<std::string, std::string>& v) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [k, s] : v) {
    out[k] = effectiveValue(s);
  }
  return out;
}

nlohmann::json redactedValue(const nlohmann::json& v) {
  const bool empty = v.is_null() || ((v.is_string() || v.is_array() || v.is_object()) && v.empty());
  return empty ? v : nlohmann::json("<redacted>");
}

FieldKind kindOf(std::string*) {
  return FieldKind::kString;
}
FieldKind kindOf(bool*) {
  return FieldKind::kBool;
}
FieldKind kindOf(int*) {
  return FieldKind::kInt;
}
FieldKind kindOf(int64_t*) {
  return FieldKind::kInt;
}
FieldKind kindOf(common::Nanos*) {
  return FieldKind::kDuration;
}
FieldKind kindOf(std::optional<common::Nanos>*) {
  return FieldKind::kDuration;
}
FieldKind kindOf(std::optional<int>*) {
  return FieldKind::kInt;
}
FieldKind kindOf(std::vector<std::string>*) {
  return FieldKind::kStringList;
}
FieldKind kindOf(std::map<std::string, std::string>*) {
  return FieldKind::kStringMap;
}

void checkRequiredField(const FieldInfo& field, bool empty_string, const FieldState& state,
                        ProblemSink& sink) {
  if (!state.has(field.name)) {
    if (state.ok(field.name)) {
      sink.add(std::string(field.name), "required field is missing");
    }
    return;
  }
  if (empty_string) {
    sink.add(std::string(field.name), "must not be empty");
  }
}

}  // namespace ninevolt::config::detail
