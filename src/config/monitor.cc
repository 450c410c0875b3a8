// parseMonitor: read `type`, then every field through the common table (monitor_fields.cc) or
// the type's own (src/checks/<type>/<type>_type.cc), then the common rules
// (monitor_rules.cc) and the type's rules and defaults.

#include <functional>
#include <map>

#include <fmt/format.h>

#include "common/utf8.h"
#include "common/yaml_json.h"
#include "config/escalation.h"
#include "config/monitor_fields.h"
#include "config/monitor_rules.h"
#include "config/spec.h"
#include "config/values.h"

namespace ninevolt::config {
namespace {

using detail::ProblemSink;
using nlohmann::json;

std::vector<std::string_view> typeNames() {
  std::vector<std::string_view> out;
  for (const CheckTypeDef* t : checkTypes()) {
    out.push_back(t->name());
  }
  return out;
}

// The type's own entry for a field (its name outlives the object being parsed), or null.
const FieldInfo* typeField(const CheckTypeDef& type, std::string_view field) {
  for (const auto& f : type.fields()) {
    if (f.name == field) {
      return &f;
    }
  }
  return nullptr;
}

// The types (other than `except`) that accept the field, "" when none does.
std::string typesWithField(std::string_view field, const CheckTypeDef* except) {
  std::string out;
  for (const CheckTypeDef* t : checkTypes()) {
    if (t != except && typeField(*t, field) != nullptr) {
      out += out.empty() ? "" : ", ";
      out += t->name();
    }
  }
  return out;
}

// Did-you-mean candidates: the common fields and the type's when the type is known, else
// every field of every type.
std::vector<std::string_view> candidates(const CheckTypeDef* type) {
  std::vector<std::string_view> out;
  for (const auto& f : commonMonitorFields()) {
    out.push_back(f.name);
  }
  for (const CheckTypeDef* t : checkTypes()) {
    if (type == nullptr || t == type) {
      for (const auto& f : t->fields()) {
        out.push_back(f.name);
      }
    }
  }
  return out;
}

// The `type` field, read first because it decides which other fields apply.
const CheckTypeDef* readType(const json& value, ProblemSink& sink) {
  auto it = value.find("type");
  if (it == value.end() || it->is_null()) {
    sink.add("type", fmt::format("required field is missing (one of {})", checkTypeList()));
    return nullptr;
  }
  auto text = detail::readString(*it, "type", sink);
  if (!text) {
    return nullptr;
  }
  const CheckTypeDef* type = findCheckType(*text);
  if (type == nullptr) {
    sink.add("type", fmt::format("unknown type '{}'{}; one of {}", *text,
                                 detail::hint(*text, typeNames()), checkTypeList()));
  }
  return type;
}

bool readCommon(const Field<MonitorSpec>& f, const json& v, MonitorSpec& spec, ProblemSink& sink) {
  const std::string name(f.name);
  return std::visit([&](auto m) { return detail::readValue(&(spec.*m), v, name, f.flags, sink); },
                    f.target);
}

using Scratch = std::map<const CheckTypeDef*, std::unique_ptr<TypeOptions>>;

void checkWithoutType(std::string_view field, const json& v, Scratch& scratch, ProblemSink& sink) {
  for (const CheckTypeDef* t : checkTypes()) {
    if (typeField(*t, field) != nullptr) {
      auto& options = scratch[t];
      if (!options) {
        options = t->newOptions();
      }
      t->readField(field, v, *options, sink);
      return;
    }
  }
}

}  // namespace

SharedMonitor shareMonitor(MonitorSpec spec) {
  // CBOR rather than dump(): compact, and it never throws (dump() does on invalid UTF-8).
  std::string encoded;
  nlohmann::json::to_cbor(spec.raw, encoded);
  spec.raw_size = encoded.size();
  spec.raw_hash = std::hash<std::string>{}(encoded);
  spec.raw = nullptr;
  return std::make_shared<const MonitorSpec>(std::move(spec));
}

std::optional<MonitorSpec> parseMonitor(std::string_view name, const nlohmann::json& value,
                                        Problems& problems) {
  ProblemSink sink(fmt::format("monitor '{}'", common::printable(name)), problems);
  if (std::string why = nameProblem(name); !why.empty()) {
    sink.add("", why);
  } else if (name.starts_with("9volt.")) {
    // The cluster's own conditions are alerted as checks of these names (docs/locations.md).
    sink.add("", "names starting with '9volt.' are reserved for the cluster's own alerts");
  }
  if (!value.is_object()) {
    sink.add("", "expected a map of monitor fields, got " + detail::describe(value));
    return std::nullopt;
  }
  if (size_t bytes = common::dumpJson(value).size(); bytes > ConfigLimits::kMaxObjectBytes) {
    sink.add("", fmt::format("is {} bytes as JSON; at most {} (docs/configs.md, Limits)", bytes,
                             ConfigLimits::kMaxObjectBytes));
    return std::nullopt;
  }
  MonitorSpec spec;
  spec.name = std::string(name);
  spec.raw = value;
  const CheckTypeDef* type = readType(value, sink);
  spec.type = type;
  std::unique_ptr<TypeOptions> options = type != nullptr ? type->newOptions() : nullptr;

  detail::FieldState state;
  Scratch scratch;
  for (const auto& [key, v] : value.items()) {
    if (key == "type") {
      continue;
    }
    if (key == "locations") {
      if (!v.is_null()) {
        auto list = readLocations(v, sink);
        (list ? state.written : state.bad).insert("locations");
        spec.locations = std::move(list).value_or(LocationList{});
      }
      continue;
    }
    if (key == "escalation") {
      if (!v.is_null()) {
        auto steps = readEscalation(v, sink);
        (steps ? state.written : state.bad).insert("escalation");
        spec.escalation = std::move(steps).value_or(std::vector<EscalationStep>{});
      }
      continue;
    }
    if (const Field<MonitorSpec>* f = detail::findCommonField(key)) {
      // null (a YAML key with no value) means "not written": the default applies.
      if (!v.is_null()) {
        (readCommon(*f, v, spec, sink) ? state.written : state.bad).insert(f->name);
      }
      continue;
    }
    if (const FieldInfo* f = type != nullptr ? typeField(*type, key) : nullptr) {
      if (!v.is_null()) {
        auto read = type->readField(f->name, v, *options, sink);
        (read == CheckTypeDef::Read::kRead ? state.written : state.bad).insert(f->name);
      }
      continue;
    }
    std::string others = typesWithField(key, type);
    if (others.empty()) {
      sink.add("", fmt::format("unknown field '{}'{}", common::printable(key),
                               detail::hint(key, candidates(type))));
    } else if (type != nullptr) {
      sink.add("", fmt::format("field '{}' does not apply to type {}", key, type->name()));
    } else if (!v.is_null()) {
      // No known type: the value is still checked (as the first type with the field reads
      // it), so one pass reports everything wrong, not just the type.
      checkWithoutType(key, v, scratch, sink);
    }
  }

  if (type != nullptr) {
    detail::checkRequiredCommon(state, sink);
    detail::applyCommonRules(spec, state, sink);
    type->finish(*options, spec, state, sink);
  }
  if (!sink.clean() || type == nullptr) {
    return std::nullopt;
  }
  spec.typed = std::move(options);
  return spec;
}

}  // namespace ninevolt::config
