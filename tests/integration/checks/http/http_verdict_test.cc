#include "checks/http/http_verdict.h"

#include <cerrno>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/clock.h"

namespace ninevolt::checks::http {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using namespace std::chrono_literals;

TEST(HttpVerdictTest, TimeoutPhaseFollowsHowFarTheRunGot) {
  Progress plain{.host_is_name = true};
  EXPECT_EQ(timeoutPhase({}, plain), "while resolving the host name");
  EXPECT_EQ(timeoutPhase({.namelookup_us = 5}, plain), "while connecting");
  EXPECT_EQ(timeoutPhase({}, Progress{}), "while connecting");  // IP literal: no DNS
  Timings connected{.namelookup_us = 5, .connect_us = 10};
  EXPECT_EQ(timeoutPhase(connected, plain), "while waiting for the first byte");
  EXPECT_EQ(timeoutPhase(connected, Progress{.got_bytes = true}),
            "while reading the response headers");
  EXPECT_EQ(timeoutPhase(connected, Progress{.got_bytes = true, .headers_done = true}),
            "while reading the body");

  EXPECT_EQ(timeoutPhase({.namelookup_us = 5}, Progress{.tls = true}), "while connecting");
  EXPECT_EQ(timeoutPhase({.namelookup_us = 5}, Progress{.tls = true, .tls_started = true}),
            "during the TLS handshake");
  EXPECT_EQ(timeoutPhase({.namelookup_us = 5, .connect_us = 30, .appconnect_us = 30},
                         Progress{.tls = true, .tls_started = true}),
            "while waiting for the first byte");
}

TEST(HttpVerdictTest, PhasesAreStepDurationsThenTotal) {
  Timings t{.namelookup_us = 100,
            .connect_us = 900,
            .appconnect_us = 900,
            .starttransfer_us = 1500,
            .total_us = 2000,
            .tls_start_us = 300};
  EXPECT_THAT(phasesOf(t, true),
              ElementsAre(Pair("dns", Nanos(100us)), Pair("connect", Nanos(200us)),
                          Pair("tls", Nanos(600us)), Pair("first_byte", Nanos(600us)),
                          Pair("total", Nanos(2000us))));
  EXPECT_THAT(phasesOf({.namelookup_us = 100, .connect_us = 300, .total_us = 400}, false),
              ElementsAre(Pair("dns", Nanos(100us)), Pair("connect", Nanos(200us)),
                          Pair("total", Nanos(400us))));
  EXPECT_THAT(phasesOf({.total_us = 7}, false), ElementsAre(Pair("total", Nanos(7us))));
}

TEST(HttpVerdictTest, FailuresInPlainWords) {
  EXPECT_EQ(describeFailure(CURLE_COULDNT_CONNECT, ECONNREFUSED, "x").message,
            "connection refused");
  auto tls = describeFailure(CURLE_PEER_FAILED_VERIFICATION, 0,
                             "SSL certificate problem: certificate has expired");
  EXPECT_EQ(tls.status, Status::kCritical);
  EXPECT_EQ(tls.message, "TLS certificate verification failed: certificate has expired");
  EXPECT_EQ(describeFailure(CURLE_SSL_CACERT_BADFILE, 0, "bad").status, Status::kUnknown);
  EXPECT_EQ(describeFailure(CURLE_GOT_NOTHING, 0, "").message,
            "the server closed the connection without sending a response");
  // What the target sent is to blame, not 9volt: critical, not unknown.
  auto http09 =
      describeFailure(CURLE_UNSUPPORTED_PROTOCOL, 0, "Received HTTP/0.9 when not allowed");
  EXPECT_EQ(http09.status, Status::kCritical);
  EXPECT_EQ(http09.failure, Failure::kProtocol);
  EXPECT_EQ(http09.message, "invalid HTTP response: Received HTTP/0.9 when not allowed");
  auto location = describeFailure(CURLE_URL_MALFORMAT, 0,
                                  "The redirect target URL could not be parsed: Bad IPv6 address");
  EXPECT_EQ(location.status, Status::kCritical);
  EXPECT_EQ(location.failure, Failure::kProtocol);
  EXPECT_EQ(describeFailure(CURLE_URL_MALFORMAT, 0, "Bad URL").status, Status::kUnknown);
}

TEST(HttpVerdictTest, ParsesCurlCertDates) {
  auto t = parseCertDate("Nov 24 01:32:43 2026 GMT");
  ASSERT_TRUE(t);
  EXPECT_EQ(common::formatRfc3339(*t), "2026-11-24T01:32:43Z");
  auto padded = parseCertDate("Mar  4 00:00:00 2030 GMT");
  ASSERT_TRUE(padded);
  EXPECT_EQ(common::formatRfc3339(*padded), "2030-03-04T00:00:00Z");
  EXPECT_FALSE(parseCertDate("Foo 4 00:00:00 2030 GMT"));
  EXPECT_FALSE(parseCertDate(""));
}

TEST(HttpVerdictTest, IpLiterals) {
  EXPECT_TRUE(isIpLiteral("127.0.0.1"));
  EXPECT_TRUE(isIpLiteral("::1"));
  EXPECT_FALSE(isIpLiteral("localhost"));
}

}  // namespace
}  // namespace ninevolt::checks::http
