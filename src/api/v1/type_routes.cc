// GET /api/v1/types: the check types this build has and their fields, so the UI (and any
// client) learns them from the server rather than from a hand-kept list.

#include <fmt/format.h>

#include "api/v1/routes.h"
#include "common/duration.h"
#include "common/yaml_json.h"
#include "config/spec.h"

namespace ninevolt::api::v1 {
namespace {

nlohmann::json fieldJson(const config::FieldInfo& f) {
  nlohmann::json out{{"name", f.name},
                     {"kind", config::fieldKindName(f.kind)},
                     {"required", f.required},
                     {"secret", f.secret},
                     {"generated", f.generated},
                     {"help", f.help}};
  if (f.kind == config::FieldKind::kInt) {
    out["min"] = f.min;
    out["max"] = f.max;
  }
  return out;
}

nlohmann::json typeJson(const config::CheckTypeDef& type) {
  nlohmann::json fields = nlohmann::json::array();
  for (const auto& f : type.fields()) {
    fields.push_back(fieldJson(f));
  }
  return {{"name", type.name()},
          {"summary", type.summary()},
          {"default-timeout", common::formatDuration(type.defaultTimeout())},
          {"fields", std::move(fields)}};
}

nlohmann::json typesJson() {
  nlohmann::json common = nlohmann::json::array();
  for (const auto& f : config::commonMonitorFields()) {
    common.push_back(fieldJson(f));
  }
  nlohmann::json types = nlohmann::json::array();
  for (const config::CheckTypeDef* t : config::checkTypes()) {
    types.push_back(typeJson(*t));
  }
  return {{"common-fields", std::move(common)}, {"types", std::move(types)}};
}

}  // namespace

void addTypeRoutes(Router& router, const Context& /*context*/) {
  // Built once: the list is fixed when the binary is.
  router.get("/api/v1/types", [body = common::dumpJson(typesJson())](const Request&) {
    return Response::json(200, body);
  });
  router.get("/api/v1/types/{name}", [](const Request& r) {
    const config::CheckTypeDef* type = config::findCheckType(r.param("name"));
    if (type == nullptr) {
      return Response::error(
          404, fmt::format("no check type '{}'; this build has {}",
                           common::printable(r.param("name")), config::checkTypeList()));
    }
    return Response::json(200, common::dumpJson(typeJson(*type)));
  });
}

}  // namespace ninevolt::api::v1
