#pragma once

// TypedCheckType<O>: a CheckTypeDef from one table of fields, each naming a member of the
// type's options struct O. The table decides how a value is read (by the member's C++ type),
// which fields are required, integer bounds and which are secret; reading, unknown-field
// detection, required checks, the API's field list and `effective` all come from it. A type
// adds its cross-field rules and defaults in rules() and names its target in targetOf().
//
//   struct TcpOptions : config::TypeOptions { std::string host; int port = 0; ... };
//   class TcpType : public config::TypedCheckType<TcpOptions> { ... };
//   const config::CheckTypeDef& typeDef() { static const TcpType type; return type; }

#include <limits>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "config/check_type.h"
#include "config/spec.h"
#include "config/values.h"

namespace ninevolt::config {

template <class O>
using FieldTarget =
    std::variant<std::string O::*, bool O::*, int O::*, int64_t O::*, common::Nanos O::*,
                 std::optional<common::Nanos> O::*, std::optional<int> O::*,
                 std::vector<std::string> O::*, std::map<std::string, std::string> O::*>;

struct FieldFlags {
  bool required = false;  // absent, null or "" is a problem
  bool secret = false;
  // A secret the API makes when a monitor is created without it (push's token).
  bool generated = false;
  int64_t min = std::numeric_limits<int>::min();
  int64_t max = std::numeric_limits<int>::max();
};

template <class O>
struct Field {
  std::string_view name;
  FieldTarget<O> target;
  std::string_view help;
  FieldFlags flags = {};
};

namespace detail {

// How each kind of member is read from JSON, written to `effective`, and named for the API.
// Defined in type_fields.cc; shared by every TypedCheckType.
bool readValue(std::string* out, const nlohmann::json& v, const std::string& field,
               const FieldFlags& flags, ProblemSink& sink);
bool readValue(bool* out, const nlohmann::json& v, const std::string& field,
               const FieldFlags& flags, ProblemSink& sink);
bool readValue(int* out, const nlohmann::json& v, const std::string& field, const FieldFlags& flags,
               ProblemSink& sink);
bool readValue(int64_t* out, const nlohmann::json& v, const std::string& field,
               const FieldFlags& flags, ProblemSink& sink);
bool readValue(common::Nanos* out, const nlohmann::json& v, const std::string& field,
               const FieldFlags& flags, ProblemSink& sink);
bool readValue(std::optional<common::Nanos>* out, const nlohmann::json& v, const std::string& field,
               const FieldFlags& flags, ProblemSink& sink);
bool readValue(std::optional<int>* out, const nlohmann::json& v, const std::string& field,
               const FieldFlags& flags, ProblemSink& sink);
bool readValue(std::vector<std::string>* out, const nlohmann::json& v, const std::string& field,
               const FieldFlags& flags, ProblemSink& sink);
bool readValue(std::map<std::string, std::string>* out, const nlohmann::json& v,
               const std::string& field, const FieldFlags& flags, ProblemSink& sink);

nlohmann::json effectiveValue(const std::string& v);
nlohmann::json effectiveValue(bool v);
nlohmann::json effectiveValue(int v);
nlohmann::json effectiveValue(int64_t v);
nlohmann::json effectiveValue(common::Nanos v);
nlohmann::json effectiveValue(const std::optional<common::Nanos>& v);
nlohmann::json effectiveValue(const std::optional<int>& v);
nlohmann::json effectiveValue(const std::vector<std::string>& v);
nlohmann::json effectiveValue(const std::map<std::string, std::string>& v);
// "<redacted>" unless the value is empty.
nlohmann::json redactedValue(const nlohmann::json& v);

FieldKind kindOf(std::string*);
FieldKind kindOf(bool*);
FieldKind kindOf(int*);
FieldKind kindOf(int64_t*);
FieldKind kindOf(common::Nanos*);
FieldKind kindOf(std::optional<common::Nanos>*);
FieldKind kindOf(std::optional<int>*);
FieldKind kindOf(std::vector<std::string>*);
FieldKind kindOf(std::map<std::string, std::string>*);

// How a table row is described to the API, the docs and did-you-mean.
template <class O>
FieldInfo infoOf(const Field<O>& f) {
  return FieldInfo{
      .name = f.name,
      .kind = std::visit(
          [](auto m) {
            using T = std::remove_reference_t<decltype(std::declval<O&>().*m)>;
            return kindOf(static_cast<T*>(nullptr));
          },
          f.target),
      .required = f.flags.required,
      .secret = f.flags.secret,
      .generated = f.flags.generated,
      .min = f.flags.min,
      .max = f.flags.max,
      .help = f.help,
  };
}

// A required field that was not written (or is an empty string): reports it.
void checkRequiredField(const FieldInfo& field, bool empty_string, const FieldState& state,
                        ProblemSink& sink);

}  // namespace detail

template <class O>
class TypedCheckType : public CheckTypeDef {
 public:
  TypedCheckType(std::string_view name, std::string_view summary, std::vector<Field<O>> fields,
                 common::Nanos default_timeout = std::chrono::seconds(3))
      : name_(name),
        summary_(summary),
        fields_(std::move(fields)),
        default_timeout_(default_timeout) {
    for (const auto& f : fields_) {
      infos_.push_back(detail::infoOf(f));
    }
  }

  std::string_view name() const override { return name_; }
  std::string_view summary() const override { return summary_; }
  std::span<const FieldInfo> fields() const override { return infos_; }
  common::Nanos defaultTimeout() const override { return default_timeout_; }
  std::unique_ptr<TypeOptions> newOptions() const override { return std::make_unique<O>(); }

  Read readField(std::string_view field, const nlohmann::json& value, TypeOptions& options,
                 detail::ProblemSink& sink) const override {
    const Field<O>* f = find(field);
    if (f == nullptr) {
      return Read::kUnknown;
    }
    O& o = static_cast<O&>(options);
    const std::string name(f->name);
    bool ok = std::visit(
        [&](auto m) { return detail::readValue(&(o.*m), value, name, f->flags, sink); }, f->target);
    return ok ? Read::kRead : Read::kBad;
  }

  void finish(TypeOptions& options, const MonitorSpec& spec, const detail::FieldState& state,
              detail::ProblemSink& sink) const override {
    O& o = static_cast<O&>(options);
    for (const auto& f : fields_) {
      if (!f.flags.required) {
        continue;
      }
      const auto* text = std::get_if<std::string O::*>(&f.target);
      detail::checkRequiredField(FieldInfo{.name = f.name}, text != nullptr && (o.*(*text)).empty(),
                                 state, sink);
    }
    rules(o, spec, state, sink);
  }

  std::string target(const MonitorSpec& spec) const override { return targetOf(spec.options<O>()); }

  nlohmann::json effective(const TypeOptions& options) const override {
    const O& o = static_cast<const O&>(options);
    nlohmann::json out = nlohmann::json::object();
    for (const auto& f : fields_) {
      nlohmann::json v = std::visit([&](auto m) { return detail::effectiveValue(o.*m); }, f.target);
      out[std::string(f.name)] = f.flags.secret ? detail::redactedValue(v) : std::move(v);
    }
    return out;
  }

 protected:
  // Cross-field rules and defaults that depend on other fields. Problems go to `sink`.
  virtual void rules(O& options, const MonitorSpec& spec, const detail::FieldState& state,
                     detail::ProblemSink& sink) const {}
  virtual std::string targetOf(const O& options) const = 0;

 private:
  const Field<O>* find(std::string_view field) const {
    for (const auto& f : fields_) {
      if (f.name == field) {
        return &f;
      }
    }
    return nullptr;
  }

  std::string_view name_;
  std::string_view summary_;
  std::vector<Field<O>> fields_;
  std::vector<FieldInfo> infos_;
  common::Nanos default_timeout_;
};

}  // namespace ninevolt::config
