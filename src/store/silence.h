#pragma once

// Silences: /9volt/silence/<id>, an operator's "do not notify about these checks until ...",
// made with POST /api/v1/silence. Every member watches them (alerts/silence_cache.h); the
// dispatcher records a notification that a silence covers as `suppressed` in the check's
// incident instead of sending it, and sends what is still true once the silence is over.
// A silence is kept on a lease that ends kKeptAfterEnd after it does: expired ones stay
// listed a day, then etcd drops them.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/result.h"
#include "config/problems.h"

namespace ninevolt::config {
struct MonitorSpec;
struct MaintenanceSpec;
struct MaintenanceWindow;
}  // namespace ninevolt::config

namespace ninevolt::store {

struct Silence {
  std::string id;  // kIdLength lowercase hex digits, the key's name

  // What it covers: every matcher given must match (at least one is given).
  std::string check;              // a check name, or a glob of them (* ? [...], fnmatch)
  std::vector<std::string> tags;  // the monitor has all of these tags
  std::string type;               // the monitor's type
  std::string member_tag;         // the monitor's member-tag

  common::SystemTime starts{};
  common::SystemTime ends{};
  std::string comment;
  std::string created_by;
  common::SystemTime created{};

  bool activeAt(common::SystemTime t) const { return starts <= t && t < ends; }
  // Whether it covers the check. With no spec (the check's monitor is not known here) only a
  // silence on the name alone can match.
  bool matches(std::string_view check_name, const config::MonitorSpec* spec) const;
  // The same from a monitor's fields (the API's view of a stored monitor).
  bool matches(std::string_view check_name, const std::vector<std::string>& monitor_tags,
               std::string_view monitor_type, std::string_view monitor_member_tag) const;

  // What is wrong with it (object "silence", field named); empty when valid.
  config::Problems problems() const;
  nlohmann::json toJson() const;
  // Never throws: a field of the wrong type, a time that is not RFC 3339 or any problem()
  // is an error naming the field.
  static Result<Silence> fromJson(const nlohmann::json& j);

  static constexpr size_t kIdLength = 16;
  static constexpr size_t kMaxText = 1024;  // comment
  static constexpr size_t kMaxName = 256;   // check, type, member-tag, created-by, a tag
  static constexpr size_t kMaxTags = 64;
  // Silences kept at once (expired ones count until etcd drops them): every alert of every
  // member looks at each.
  static constexpr int64_t kMaxSilences = 10'000;
  static constexpr std::chrono::hours kMaxLength{24 * 366};  // ends - starts
  static constexpr std::chrono::hours kKeptAfterEnd{24};
};

// A maintenance window's matchers as the silence "maintenance/<name>" (starts and ends: those
// of `open` when given, else unset): how the dispatcher and GET /state treat an open window.
Silence silenceOfWindow(const config::MaintenanceSpec& window,
                        const config::MaintenanceWindow* open = nullptr);
inline constexpr std::string_view kWindowSilencePrefix = "maintenance/";

std::string silenceText(const Silence& silence);
// A silence key's value as etcd holds it (untrusted).
Result<Silence> decodeSilence(std::string_view text);
bool validSilenceId(std::string_view id);

}  // namespace ninevolt::store
