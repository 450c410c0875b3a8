#include "store/check_state.h"

#include <fmt/format.h>

#include "common/yaml_json.h"
#include "state/flap.h"
#include "store/untrusted.h"

namespace ninevolt::store {

std::optional<common::SystemTime> CheckStateRecord::time() const {
  auto t = common::parseRfc3339(date);
  return t ? std::optional<common::SystemTime>(*t) : std::nullopt;
}

nlohmann::json CheckStateRecord::toJson() const {
  nlohmann::json j{{"check", check}, {"owner", owner},     {"status", status},
                   {"count", count}, {"message", message}, {"date", date}};
  if (!result.empty()) {
    j["result"] = result;
  }
  if (duration_ms) {
    j["duration_ms"] = *duration_ms;
  }
  if (!history.empty()) {
    j["history"] = history;
  }
  if (flapping) {
    j["flapping"] = true;
  }
  return j;
}

Result<CheckStateRecord> CheckStateRecord::fromJson(const nlohmann::json& j) {
  if (!j.is_object()) {
    return fail(Errc::kInvalidArgument,
                fmt::format("expected a JSON object, got {}", describeType(j)));
  }
  auto bad = [](const char* field, const char* want) {
    return fail(Errc::kInvalidArgument, fmt::format("{}: expected {}", field, want));
  };
  CheckStateRecord r;
  auto status = j.find("status");
  if (status == j.end() || !status->is_string()
      || (*status != "ok" && *status != "warning" && *status != "critical")) {
    return bad("status", "ok, warning or critical");
  }
  r.status = status->get<std::string>();
  for (auto [field, into] : {std::pair{"check", &r.check}, std::pair{"owner", &r.owner},
                             std::pair{"message", &r.message}, std::pair{"date", &r.date},
                             std::pair{"result", &r.result}}) {
    if (auto it = j.find(field); it != j.end()) {
      if (!it->is_string()) {
        return bad(field, "a string");
      }
      *into = it->get<std::string>();
    }
  }
  if (auto it = j.find("count"); it != j.end()) {
    if (!(it->is_number_unsigned() || (it->is_number_integer() && *it >= 0))) {
      return bad("count", "an integer >= 0");
    }
    // Beyond any threshold a count means the same; kept within int64 whatever was written.
    r.count = it->is_number_unsigned() && it->get<uint64_t>() > uint64_t{INT64_MAX}
                  ? INT64_MAX
                  : it->get<int64_t>();
  }
  if (auto it = j.find("duration_ms"); it != j.end()) {
    if (!it->is_number()) {
      return bad("duration_ms", "a number");
    }
    r.duration_ms = it->get<double>();
  }
  if (auto it = j.find("history"); it != j.end()) {
    if (!it->is_string() || it->get_ref<const std::string&>().size() > 64
        || (!it->get_ref<const std::string&>().empty()
            && !state::FlapHistory::parse(it->get_ref<const std::string&>()))) {
      return bad("history", "a string of up to 64 of the letters o, w, c");
    }
    r.history = it->get<std::string>();
  }
  if (auto it = j.find("flapping"); it != j.end()) {
    if (!it->is_boolean()) {
      return bad("flapping", "true or false");
    }
    r.flapping = it->get<bool>();
  }
  return r;
}

std::string checkStateText(const CheckStateRecord& record) {
  // dumpJson: a check's message may carry bytes of the target's that are not UTF-8.
  return common::dumpJson(record.toJson());
}

Result<CheckStateRecord> decodeState(std::string_view text) {
  return decodeRecord<CheckStateRecord>(text);
}

}  // namespace ninevolt::store
