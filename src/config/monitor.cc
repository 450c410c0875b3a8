// parseMonitor: read every field through the table in monitor_fields.cc, then apply the
// type-dependent defaults and cross-field rules (monitor_rules.cc).

#include <set>

#include <fmt/format.h>

#include "common/utf8.h"
#include "common/yaml_json.h"
#include "config/monitor_fields.h"
#include "config/monitor_rules.h"
#include "config/spec.h"
#include "config/values.h"

namespace ninevolt::config {
namespace {

using detail::MonitorField;
using detail::ProblemSink;
using nlohmann::json;

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
// Clang 14 (clang-tidy) has no aggregate CTAD yet.
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// Reads one value into the member the table names. False when it was a problem.
bool readField(const MonitorField& f, const json& v, MonitorSpec& spec, ProblemSink& sink) {
  const std::string field(f.name);
  auto store = [&spec](auto member, auto&& value) {
    if (value) {
      spec.*member = std::move(*value);
    }
    return value.has_value();
  };
  return std::visit(
      Overloaded{
          [](std::monostate) { return true; },
          [&](std::string MonitorSpec::*m) { return store(m, detail::readString(v, field, sink)); },
          [&](bool MonitorSpec::*m) { return store(m, detail::readBool(v, field, sink)); },
          [&](int MonitorSpec::*m) {
            auto n = detail::readInt(v, field, f.min, f.max, sink);
            return store(m, n ? std::optional<int>(static_cast<int>(*n)) : std::nullopt);
          },
          [&](int64_t MonitorSpec::*m) {
            return store(m, detail::readInt(v, field, f.min, f.max, sink));
          },
          [&](std::optional<int> MonitorSpec::*m) {
            auto n = detail::readInt(v, field, f.min, f.max, sink);
            if (n) {
              spec.*m = static_cast<int>(*n);
            }
            return n.has_value();
          },
          [&](Nanos MonitorSpec::*m) { return store(m, detail::readDuration(v, field, sink)); },
          [&](std::optional<Nanos> MonitorSpec::*m) {
            auto d = detail::readDuration(v, field, sink);
            if (d) {
              spec.*m = *d;
            }
            return d.has_value();
          },
          [&](std::vector<std::string> MonitorSpec::*m) {
            return store(m, detail::readStringList(v, field, sink));
          },
          [&](std::map<std::string, std::string> MonitorSpec::*m) {
            return store(m, detail::readStringMap(v, field, sink));
          },
      },
      f.target);
}

std::vector<std::string_view> typeNames() {
  std::vector<std::string_view> out;
  for (CheckType t : detail::kAllCheckTypes) {
    out.push_back(checkTypeName(t));
  }
  return out;
}

// The `type` field, read first because it decides which other fields apply.
std::optional<CheckType> readType(const json& value, ProblemSink& sink) {
  auto it = value.find("type");
  if (it == value.end() || it->is_null()) {
    sink.add("type", "required field is missing (one of http, tcp, dns, exec)");
    return std::nullopt;
  }
  auto text = detail::readString(*it, "type", sink);
  if (!text) {
    return std::nullopt;
  }
  auto type = parseCheckType(*text);
  if (!type) {
    sink.add("type", fmt::format("unknown type '{}'{}; one of http, tcp, dns, exec", *text,
                                 detail::hint(*text, typeNames())));
  }
  return type;
}

}  // namespace

std::optional<MonitorSpec> parseMonitor(std::string_view name, const nlohmann::json& value,
                                        Problems& problems) {
  ProblemSink sink(fmt::format("monitor '{}'", common::printable(name)), problems);
  if (std::string why = nameProblem(name); !why.empty()) {
    sink.add("", why);
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
  std::optional<CheckType> type = readType(value, sink);
  if (type) {
    spec.type = *type;
  }

  // Did-you-mean candidates: this type's fields when the type is known, else all of them.
  std::vector<std::string_view> candidates;
  for (const auto& f : detail::monitorFieldTable()) {
    if (!type || (f.types & detail::typeBit(*type)) != 0) {
      candidates.push_back(f.name);
    }
  }

  detail::FieldState state;
  for (const auto& [key, v] : value.items()) {
    const MonitorField* f = detail::findMonitorField(key);
    if (f == nullptr) {
      sink.add("", fmt::format("unknown field '{}'{}", common::printable(key),
                               detail::hint(key, candidates)));
      continue;
    }
    if (type && (f->types & detail::typeBit(*type)) == 0) {
      sink.add("", fmt::format("field '{}' does not apply to type {}", key, checkTypeName(*type)));
      continue;
    }
    if (f->name == "type") {
      continue;
    }
    // null (a YAML key with no value) means "not written": the default applies.
    if (v.is_null()) {
      continue;
    }
    (readField(*f, v, spec, sink) ? state.written : state.bad).insert(f->name);
  }

  if (type) {
    detail::checkRequired(spec, state, sink);
    detail::applyCommonRules(spec, state, sink);
    detail::applyTypeRules(spec, state, sink);
  }
  if (!sink.clean() || !type) {
    return std::nullopt;
  }
  return spec;
}

}  // namespace ninevolt::config
