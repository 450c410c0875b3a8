// YAML and JSON text to JSON values (common/yaml_json.h), the first step of every config
// file, API body and etcd value. Any input parses or fails with a message, never throws;
// what parses can be written back as JSON (what cfg and the API store in etcd), and JSON
// read back from that text is the same value.

#include <exception>

#include "common/yaml_json.h"
#include "support/fuzz_util.h"

namespace common = ninevolt::common;
namespace fz = ninevolt::fuzz;

namespace {

std::string dumpOrDie(const nlohmann::json& value, const char* what, std::string_view input) {
  try {
    return value.dump();
  } catch (const std::exception& e) {
    fz::violated(what, std::string(e.what()) + "\ninput: " + std::string(input));
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fz::quietLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fz::asText(data, size);
  try {
    if (auto yaml = common::parseYaml(std::string(text))) {
      dumpOrDie(*yaml, "parseYaml's value cannot be written as JSON", text);
    } else {
      fz::check(!yaml.error().message.empty(), "a YAML error without a message", text);
    }
    if (auto json = common::parseJson(text)) {
      std::string again = dumpOrDie(*json, "parseJson's value cannot be written as JSON", text);
      auto back = common::parseJson(again);
      fz::check(back.has_value(), "JSON written by dump() does not parse again", again);
      fz::check(*back == *json, "JSON written by dump() parses to another value", again);
    } else {
      fz::check(!json.error().message.empty(), "a JSON error without a message", text);
    }
  } catch (const std::exception& e) {
    fz::violated("parseYaml/parseJson threw", e.what());
  }
  return 0;
}
