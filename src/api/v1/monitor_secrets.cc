#include "api/v1/monitor_secrets.h"

#include <array>
#include <stdexcept>

#include <fmt/format.h>
#include <openssl/rand.h>

#include "common/json_fields.h"
#include "common/printable.h"
#include "config/alerter_options.h"
#include "config/check_type.h"

namespace ninevolt::api::v1 {
namespace {

const config::CheckTypeDef* typeOf(const nlohmann::json& value) {
  if (!value.is_object()) {
    return nullptr;
  }
  return config::findCheckType(common::stringField(value, "type"));
}

}  // namespace

nlohmann::json redactedMonitor(const nlohmann::json& value) {
  const auto* type = typeOf(value);
  if (type == nullptr) {
    return value;
  }
  nlohmann::json out = value;
  for (const auto& f : type->fields()) {
    auto it = out.find(std::string(f.name));
    if (f.secret && it != out.end()
        && !(it->is_string() && it->get_ref<const std::string&>().empty())) {
      *it = std::string(config::kRedacted);
    }
  }
  return out;
}

void fillSecrets(const std::string& name, nlohmann::json& value, const nlohmann::json* stored,
                 nlohmann::json& made, config::Problems& problems) {
  const auto* type = typeOf(value);
  if (type == nullptr) {
    return;  // parseMonitor says what is wrong
  }
  const bool same_type = stored != nullptr && typeOf(*stored) == type;
  for (const auto& f : type->fields()) {
    if (!f.secret) {
      continue;
    }
    const std::string field(f.name);
    const nlohmann::json* before =
        same_type && stored->contains(field) ? &(*stored)[field] : nullptr;
    auto it = value.find(field);
    const bool redacted = it != value.end() && it->is_string() && *it == config::kRedacted;
    const bool absent = it == value.end() || it->is_null();
    if (redacted) {
      if (before == nullptr) {
        problems.push_back(
            {"", fmt::format("monitor '{}'", common::printable(name)), field,
             fmt::format("\"{}\" stands for the stored value, and the stored monitor has none; "
                         "write the value{}",
                         config::kRedacted,
                         f.generated ? ", or leave it out to have one made" : "")});
        // A stand-in, so that the field's own rules do not report the placeholder too
        // (the request is refused for the problem above; nothing is written).
        value[field] = newSecret();
        continue;
      }
      value[field] = *before;
    } else if (absent && f.generated) {
      if (before != nullptr) {
        value[field] = *before;
      } else {
        value[field] = newSecret();
        made[field] = value[field];
      }
    }
  }
}

std::string newSecret() {
  std::array<unsigned char, 24> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("OpenSSL RAND_bytes failed: no secret can be made");
  }
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const uint32_t n = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) {
      out.push_back(kAlphabet[(n >> shift) & 63]);
    }
  }
  return out;
}

}  // namespace ninevolt::api::v1
