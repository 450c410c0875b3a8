#include "checks/http/http_verdict.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <system_error>

#include <arpa/inet.h>

namespace ninevolt::checks::http {

namespace {

Nanos micros(int64_t us) {
  return std::chrono::microseconds(std::max<int64_t>(us, 0));
}

std::string withDetail(std::string what, std::string_view detail) {
  if (!detail.empty()) {
    what += ": ";
    what += detail;
  }
  return what;
}

}  // namespace

std::vector<std::pair<std::string, Nanos>> phasesOf(const Timings& t, bool tls) {
  std::vector<std::pair<std::string, Nanos>> out;
  if (t.namelookup_us > 0 || t.connect_us > 0) {
    out.emplace_back("dns", micros(t.namelookup_us));
  }
  int64_t reached = t.namelookup_us;
  const int64_t connected = tls && t.tls_start_us > 0 ? t.tls_start_us : t.connect_us;
  if (connected > 0) {
    out.emplace_back("connect", micros(connected - reached));
    reached = connected;
  }
  if (tls && t.appconnect_us > 0) {
    out.emplace_back("tls", micros(t.appconnect_us - reached));
    reached = t.appconnect_us;
  }
  if (t.starttransfer_us > 0) {
    out.emplace_back("first_byte", micros(t.starttransfer_us - reached));
  }
  out.emplace_back("total", micros(t.total_us));
  return out;
}

std::string timeoutPhase(const Timings& t, const Progress& p) {
  const bool connected = p.tls ? p.tls_started || t.appconnect_us > 0 : t.connect_us > 0;
  if (!connected) {
    return p.host_is_name && t.namelookup_us == 0 ? "while resolving the host name"
                                                  : "while connecting";
  }
  if (p.tls && t.appconnect_us == 0) {
    return "during the TLS handshake";
  }
  if (!p.got_bytes) {
    return "while waiting for the first byte";
  }
  if (!p.headers_done) {
    return "while reading the response headers";
  }
  return "while reading the body";
}

CheckResult describeFailure(CURLcode rc, long os_errno, std::string_view detail) {
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
      switch (os_errno) {
        case ECONNREFUSED:
          return CheckResult::critical("connection refused", Failure::kConnect);
        case EHOSTUNREACH:
          return CheckResult::critical("host unreachable", Failure::kConnect);
        case ENETUNREACH:
          return CheckResult::critical("network unreachable", Failure::kConnect);
        default:
          return CheckResult::critical(
              withDetail("cannot connect",
                         os_errno != 0 ? std::system_category().message(static_cast<int>(os_errno))
                                       : std::string(detail)),
              Failure::kConnect);
      }
    case CURLE_COULDNT_RESOLVE_HOST:
      return CheckResult::critical(withDetail("DNS lookup failed", detail), Failure::kResolve);
    case CURLE_PEER_FAILED_VERIFICATION: {
      // "SSL certificate problem: certificate has expired" -> "certificate has expired"
      constexpr std::string_view kPrefix = "SSL certificate problem: ";
      if (detail.substr(0, kPrefix.size()) == kPrefix) {
        detail.remove_prefix(kPrefix.size());
      }
      return CheckResult::critical(withDetail("TLS certificate verification failed", detail),
                                   Failure::kTls);
    }
    case CURLE_SSL_CONNECT_ERROR:
      return CheckResult::critical(withDetail("TLS handshake failed", detail), Failure::kTls);
    case CURLE_TOO_MANY_REDIRECTS:
      return CheckResult::critical(withDetail("too many redirects", detail), Failure::kProtocol);
    case CURLE_GOT_NOTHING:
      return CheckResult::critical("the server closed the connection without sending a response",
                                   Failure::kProtocol);
    case CURLE_RECV_ERROR:
      return CheckResult::critical(withDetail("reading the response failed", detail),
                                   Failure::kProtocol);
    case CURLE_SEND_ERROR:
      return CheckResult::critical(withDetail("sending the request failed", detail),
                                   Failure::kProtocol);
    case CURLE_PARTIAL_FILE:
      return CheckResult::critical(withDetail("the response ended early", detail),
                                   Failure::kProtocol);
    case CURLE_WEIRD_SERVER_REPLY:
      return CheckResult::critical(withDetail("invalid HTTP response", detail), Failure::kProtocol);
    case CURLE_UNSUPPORTED_PROTOCOL:
      // An answer without a status line reads as HTTP/0.9, which curl refuses: the target
      // did not speak HTTP, 9volt is not at fault.
      if (detail.find("HTTP/0.9") != std::string_view::npos) {
        return CheckResult::critical(withDetail("invalid HTTP response", detail),
                                     Failure::kProtocol);
      }
      return CheckResult::critical(std::string(detail));
    case CURLE_URL_MALFORMAT:
      // A Location header the target sent that is no URL is the target's fault; any other
      // malformed URL is 9volt's (the config validates the monitor's own).
      if (detail.find("redirect target URL") != std::string_view::npos) {
        return CheckResult::critical(withDetail("invalid redirect", detail), Failure::kProtocol);
      }
      return CheckResult::unknown(withDetail("internal error", detail));
    // 9volt's own failures: the target is not to blame.
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return CheckResult::unknown(withDetail("cannot load TLS certificates", detail));
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FAILED_INIT:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_NOT_BUILT_IN:
      return CheckResult::unknown(withDetail("internal error", detail));
    default:
      return CheckResult::critical(std::string(detail));
  }
}

std::optional<common::SystemTime> parseCertDate(std::string_view text) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::string copy(text);
  std::array<char, 4> month{};
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int year = 0;
  if (std::sscanf(copy.c_str(), "%3s %d %d:%d:%d %d", month.data(), &day, &hour, &minute, &second,
                  &year)
      != 6) {
    return std::nullopt;
  }
  auto it = std::find(kMonths.begin(), kMonths.end(), std::string_view(month.data()));
  if (it == kMonths.end()) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = static_cast<int>(it - kMonths.begin());
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::time_t t = timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) {
    return std::nullopt;
  }
  return std::chrono::system_clock::from_time_t(t);
}

bool isIpLiteral(std::string_view host) {
  std::string h(host);
  std::array<unsigned char, sizeof(in6_addr)> buf{};
  return inet_pton(AF_INET, h.c_str(), buf.data()) == 1
         || inet_pton(AF_INET6, h.c_str(), buf.data()) == 1;
}

}  // namespace ninevolt::checks::http
