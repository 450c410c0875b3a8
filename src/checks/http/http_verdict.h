#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <curl/curl.h>

#include "checks/result.h"
#include "common/clock.h"

namespace ninevolt::checks::http {

// Pure helpers that turn what curl reports into operator-facing results; kept apart from
// the I/O so each rule is readable (and testable) on its own.

// CURLINFO_*_TIME_T values in microseconds, each measured from the start of the request;
// 0 = that point was never reached.
struct Timings {
  int64_t namelookup_us = 0;
  int64_t connect_us = 0;
  int64_t appconnect_us = 0;
  int64_t starttransfer_us = 0;
  int64_t total_us = 0;
  // When the TLS handshake began (= TCP connected), on the same scale. curl 7.88 stamps
  // CONNECT_TIME only once the whole chain (TCP + TLS) is up, so we observe this ourselves.
  int64_t tls_start_us = 0;
};

// How far the response had come when the run ended.
struct Progress {
  bool tls = false;           // https
  bool host_is_name = false;  // needs DNS (not an IP literal)
  bool tls_started = false;   // the TLS handshake began (TCP was connected)
  bool got_bytes = false;     // any response byte (status line) arrived
  bool headers_done = false;  // the blank line after the headers arrived
};

// What one run of either client (curl's, or the plain one) came to, in curl's vocabulary:
// the verdict (HttpCheck) reads only this.
struct Outcome {
  CURLcode rc = CURLE_OK;  // CURLE_WRITE_ERROR with capped = the body was cut at max-body
  long os_errno = 0;       // for CURLE_COULDNT_CONNECT
  std::string detail;      // what went wrong, in the client's words ("" = curl_easy_strerror)
  long status = 0;         // of the final response; 0 = none
  std::string body;        // at most max-body bytes of the final response's body
  bool capped = false;
  Timings timings;
  Progress progress;
};

// "dns", "connect", "tls" (https only), "first_byte" as durations of each step (differences),
// then "total" (the whole run); steps never reached are left out.
std::vector<std::pair<std::string, Nanos>> phasesOf(const Timings& t, bool tls);

// "while connecting", "during the TLS handshake", "while waiting for the first byte", ...
std::string timeoutPhase(const Timings& t, const Progress& p);

// A failed transfer (not a timeout) in plain words: "connection refused",
// "TLS certificate verification failed: certificate has expired". Status is kCritical for
// anything the target did and kUnknown for failures of 9volt itself (bad CA file, no memory).
// `detail` is curl's error buffer, or curl_easy_strerror(rc) when that is empty.
CheckResult describeFailure(CURLcode rc, long os_errno, std::string_view detail);

// Parses curl's CERTINFO "Expire date" (OpenSSL's ASN1_TIME_print): "Nov 24 01:32:43 2026 GMT".
std::optional<common::SystemTime> parseCertDate(std::string_view text);

// True when host is an IPv4 or IPv6 literal.
bool isIpLiteral(std::string_view host);

}  // namespace ninevolt::checks::http
