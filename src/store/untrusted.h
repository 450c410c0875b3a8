#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "etcd/client.h"

namespace ninevolt::store {

// Everything read from etcd is untrusted input: a key or value may have been written by
// hand (etcdctl), by another version, or by a third party. Readers decode with the functions
// below, skip what does not decode, and report it through Rejections; nothing read from
// etcd may stop placement, the manager, the API or the stream.

// The name directly under `prefix` in `key` ("/9volt/monitor/web" -> "web") if it is a valid
// name (config::validName: the names 9volt writes and accepts); else why not, with the
// offending byte printed safely.
Result<std::string> nameFromKey(std::string_view prefix, std::string_view key);
// Why `name` is not a valid name ("" when it is).
std::string nameProblem(std::string_view name);
// An assignment entry: a check's name, or a location replica's (`<check>@<location>`,
// config/locations.h); why not ("" when it is one).
std::string entryProblem(std::string_view entry);

// "an integer", "a list", "a map", "null", ...: a JSON value's type for messages.
std::string describeType(const nlohmann::json& value);

// JSON text: "empty value" or "not JSON: <reason>" when it is not.
Result<nlohmann::json> decodeJson(std::string_view text);
// A JSON object: also "expected a JSON object, got a list".
Result<nlohmann::json> decodeObject(std::string_view text);
// A check's state (/9volt/state/<check>): decodeState() in store/check_state.h.

// A record read from a JSON object by T::fromJson: decodeObject(), then that.
template <class T>
Result<T> decodeRecord(std::string_view text) {
  auto j = decodeObject(text);
  if (!j) {
    return tl::unexpected(j.error());
  }
  return T::fromJson(*j);
}

// A count inside a record being read: a non-negative integer up to `max` (get<>() would wrap
// -1 or cut a larger value). Otherwise throws nlohmann::json::type_error naming `key`, like
// the record's other reads, for its fromJson to catch.
int64_t countIn(const nlohmann::json& value, const char* key,
                int64_t max = std::numeric_limits<int64_t>::max());

// One rejected key, as the handler gets it.
struct Rejection {
  std::string key;      // printed safely (common::printable)
  std::string message;  // "<key>: <why>; skipped"
  std::string check;    // the check (monitor) it is about, when its name is valid
};

// Where readers report what they skipped. Each (key, revision) is logged and handed to the
// handler (the event log: `config-rejected`) once per process, however often it is read
// (every placement, every API request): a key written again with another bad value is
// reported again. Thread-safe.
class Rejections {
 public:
  using Handler = std::function<void(const Rejection&)>;

  // Any thread; empty = log only. Called with a lock held: must not block or report.
  void setHandler(Handler handler);
  // `key` raw as read, `mod_revision` the value's (0 if unknown), `why` what is wrong with
  // it; `check` the check it is about if its name is valid. True when this call reported it.
  bool reject(std::string_view key, int64_t mod_revision, std::string_view why,
              std::string_view check = {});
  bool reject(const etcd::KeyValue& kv, std::string_view why, std::string_view check = {}) {
    return reject(kv.key, kv.mod_revision, why, check);
  }
  uint64_t count() const;  // reports so far (tests, metrics)

  // Keys remembered; beyond it the memory starts over (a key may then be reported again).
  static constexpr size_t kRemembered = 10000;

 private:
  mutable std::mutex mu_;
  Handler handler_;
  std::map<std::string, int64_t, std::less<>> seen_;  // key -> revision reported
  uint64_t count_ = 0;
};

}  // namespace ninevolt::store
