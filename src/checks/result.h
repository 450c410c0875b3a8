#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/duration.h"

namespace ninevolt::checks {

using common::Nanos;

// Severity of one run. Ordered: a worse status compares greater (used for "worst result").
enum class Status { kOk = 0, kWarning = 1, kCritical = 2, kUnknown = 3 };
std::string_view statusName(Status status);  // "ok", "warning", "critical", "unknown"

// Why a run did not come back OK: a small fixed set, so that it can label metrics
// (ninevolt_check_failures_total{reason}). The check that builds the result says which;
// a non-OK result that does not is counted as kError when kUnknown, else kOther.
enum class Failure : uint8_t {
  kNone = 0,
  kTimeout,     // the run took longer than its timeout
  kResolve,     // the target's name did not resolve
  kConnect,     // no connection: refused, unreachable
  kTls,         // TLS handshake or certificate verification failed
  kProtocol,    // connected, then the exchange failed (reset, closed early, bad response)
  kStatusCode,  // HTTP status other than the expected one
  kExpect,      // the expected content or DNS answer was not there
  kSlow,        // answered, slower than allowed (dns-max-time)
  kCertExpiry,  // the certificate expires within cert-expiry-warning
  kPlugin,      // an exec plugin reported warning/critical/unknown (its exit code), or a
                // pushing job said it failed (push: status=fail)
  kMissed,      // push: no push came within interval + grace
  kError,       // 9volt could not run the check (spawn, socket, internal)
  kOther,       // a failure the check did not classify
};
inline constexpr size_t kFailureKinds = static_cast<size_t>(Failure::kOther) + 1;
// "timeout", "resolve", "connect", "tls", "protocol", "status_code", "expect", "slow",
// "cert_expiry", "plugin", "missed", "error", "other" ("" for kNone).
std::string_view failureName(Failure failure);

// The outcome of one run of one check. A target that is down is a CheckResult (kCritical with a
// message saying what failed), never an error; a failure of 9volt itself (cannot spawn,
// cannot open a socket) is kUnknown.
struct CheckResult {
  Status status = Status::kOk;
  std::string message;
  Nanos duration{0};
  // Phase timings in the order they happened: "dns", "connect", "tls", "first_byte", ...
  std::vector<std::pair<std::string, Nanos>> phases;
  common::SystemTime time{};  // when the run started
  // Named numeric values (Nagios perfdata, http status, bytes read ...).
  std::map<std::string, double> values;
  Failure failure = Failure::kNone;  // why, when status is not kOk (see failureOf())
  // False when the check could not judge this run and says so rather than guess (push: the
  // member could not read etcd to confirm a push is late). The engine counts the run but
  // leaves the check's state as it was: no failure counted, no transition, no alert.
  bool verdict = true;

  static CheckResult ok(std::string message = "ok") { return {Status::kOk, std::move(message)}; }
  static CheckResult critical(std::string message, Failure why = Failure::kOther) {
    return withFailure(Status::kCritical, std::move(message), why);
  }
  static CheckResult warning(std::string message, Failure why = Failure::kOther) {
    return withFailure(Status::kWarning, std::move(message), why);
  }
  static CheckResult unknown(std::string message, Failure why = Failure::kError) {
    return withFailure(Status::kUnknown, std::move(message), why);
  }
  // No verdict this run (see `verdict`); shown as UNKNOWN where a result is printed.
  static CheckResult noVerdict(std::string message) {
    CheckResult r = unknown(std::move(message));
    r.verdict = false;
    return r;
  }

 private:
  static CheckResult withFailure(Status status, std::string message, Failure why) {
    CheckResult r{status, std::move(message)};
    r.failure = why;
    return r;
  }
};

// The failure to count for a result: kNone when OK; the check's own when it set one;
// else kError for kUnknown and kOther for the rest.
inline Failure failureOf(const CheckResult& r) {
  if (r.status == Status::kOk) {
    return Failure::kNone;
  }
  if (r.failure != Failure::kNone) {
    return r.failure;
  }
  return r.status == Status::kUnknown ? Failure::kError : Failure::kOther;
}

}  // namespace ninevolt::checks
