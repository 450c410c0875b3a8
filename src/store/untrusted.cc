#include "store/untrusted.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/printable.h"
#include "common/yaml_json.h"
#include "config/locations.h"
#include "config/spec.h"

namespace ninevolt::store {

std::string entryProblem(std::string_view entry) {
  if (entry.find('@') == std::string_view::npos || config::splitReplica(entry)) {
    return nameProblem(entry.substr(0, entry.find('@')));
  }
  return "not a check name nor <check>@<location>";
}

std::string nameProblem(std::string_view name) {
  if (config::validName(name)) {
    return {};
  }
  if (name.empty()) {
    return "empty name";
  }
  constexpr size_t kMaxName = 128;
  if (name.size() > kMaxName) {
    return fmt::format("a name of {} bytes (at most {})", name.size(), kMaxName);
  }
  if (name == "." || name == "..") {
    return fmt::format("'{}' is not a name", name);
  }
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
    if (!ok) {
      return fmt::format("byte {} ({}) of the name is not one of A-Z a-z 0-9 . _ -", i + 1,
                         common::printable(name.substr(i, 1)));
    }
  }
  return "not a valid name";
}

Result<std::string> nameFromKey(std::string_view prefix, std::string_view key) {
  if (key.size() < prefix.size() || key.substr(0, prefix.size()) != prefix) {
    return fail(Errc::kInvalidArgument, "not under " + std::string(prefix));
  }
  std::string_view name = key.substr(prefix.size());
  if (auto problem = nameProblem(name); !problem.empty()) {
    return fail(Errc::kInvalidArgument, "not a valid name: " + problem);
  }
  return std::string(name);
}

std::string describeType(const nlohmann::json& value) {
  if (value.is_null()) {
    return "null";
  }
  const std::string name = common::jsonTypeName(value);
  return (name.front() == 'i' ? "an " : "a ") + name;
}

Result<nlohmann::json> decodeJson(std::string_view text) {
  if (text.empty()) {
    return fail(Errc::kInvalidArgument, "empty value (not JSON)");
  }
  auto j = common::parseJson(text);
  if (!j) {
    return fail(Errc::kInvalidArgument, "not JSON: " + j.error().message);
  }
  return j;
}

Result<nlohmann::json> decodeObject(std::string_view text) {
  auto j = decodeJson(text);
  if (j && !j->is_object()) {
    return fail(Errc::kInvalidArgument,
                fmt::format("expected a JSON object, got {}", describeType(*j)));
  }
  return j;
}

int64_t countIn(const nlohmann::json& value, const char* key, int64_t max) {
  const bool ok =
      value.is_number_unsigned()
          ? value.get<uint64_t>() <= static_cast<uint64_t>(max)
          : value.is_number_integer() && value.get<int64_t>() >= 0 && value.get<int64_t>() <= max;
  if (!ok) {
    throw nlohmann::json::type_error::create(302, std::string(key) + " is not a count", &value);
  }
  return value.get<int64_t>();
}

void Rejections::setHandler(Handler handler) {
  std::lock_guard lock(mu_);
  handler_ = std::move(handler);
}

bool Rejections::reject(std::string_view key, int64_t mod_revision, std::string_view why,
                        std::string_view check) {
  std::lock_guard lock(mu_);
  auto it = seen_.find(key);
  if (it != seen_.end() && it->second == mod_revision) {
    return false;
  }
  if (it == seen_.end()) {
    if (seen_.size() >= kRemembered) {
      seen_.clear();
    }
    seen_.emplace(std::string(key), mod_revision);
  } else {
    it->second = mod_revision;
  }
  ++count_;
  Rejection r;
  r.key = common::printable(key);
  r.message = fmt::format("{}: {}; skipped", r.key, common::printable(why, 1024));
  if (!check.empty() && config::validName(check)) {
    r.check = std::string(check);
  }
  spdlog::warn("etcd: {}", r.message);
  if (handler_) {
    try {
      handler_(r);
    } catch (const std::exception& e) {
      spdlog::error("etcd: reporting a rejected key: {}", e.what());
    }
  }
  return true;
}

uint64_t Rejections::count() const {
  std::lock_guard lock(mu_);
  return count_;
}

}  // namespace ninevolt::store
