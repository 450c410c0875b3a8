#include "checks/http/http_check.h"

#include <chrono>
#include <optional>
#include <thread>
#include <utility>  // before asio (see test_server.h)

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "checks/http/curl_multi_service.h"
#include "common/clock.h"
#include "config/spec.h"
#include "support/etcd_fixture.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_certs.h"
#include "test_server.h"
#include "test_spec.h"

namespace ninevolt::checks::http {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::chrono_literals;
using ninevolt::testing::TestCerts;
using testing::TestServer;
using Clock = std::chrono::steady_clock;

// Every test runs twice: with libcurl for every run ("Curl") and with the plain client for
// plain http to an IP address ("Plain"); https always goes through curl.
class HttpCheckTest : public ::testing::TestWithParam<bool> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ninevolt::testing::TempDir();
    certs_ = new TestCerts(TestCerts::make(*dir_));
  }
  static void TearDownTestSuite() {
    delete certs_;
    delete dir_;
  }

  // A spec from JSON with the test defaults (127.0.0.1, 2s timeout) underneath.
  static config::MonitorSpec spec(uint16_t port, const nlohmann::json& fields) {
    return testing::httpSpec(port, fields);
  }

  static HttpOptions options(HttpOptions base = {}) {
    base.plain_client = GetParam();
    return base;
  }

  std::unique_ptr<Check> make(const config::MonitorSpec& s, HttpOptions base = {}) {
    return makeHttpCheckFactory(options(std::move(base)))->create(s, io_);
  }

  // Drives the loop until cond holds (or the deadline passes).
  bool runUntil(const std::function<bool()>& cond, std::chrono::milliseconds deadline = 10s) {
    return ninevolt::testing::eventually(
        [&] {
          io_.restart();
          io_.run_for(5ms);
          return cond();
        },
        deadline);
  }

  // One run of check: the result and how long it took.
  std::pair<CheckResult, Clock::duration> runOnce(Check& check) {
    std::optional<CheckResult> result;
    const auto started = Clock::now();
    Clock::duration took{};
    check.start([&](CheckResult r) {
      took = Clock::now() - started;
      result = std::move(r);
    });
    EXPECT_FALSE(result) << "done called from inside start()";
    EXPECT_TRUE(runUntil([&] { return result.has_value(); }));
    return {result.value_or(CheckResult::unknown("no result")), took};
  }

  CheckResult run(const config::MonitorSpec& s, HttpOptions options = {}) {
    auto check = make(s, std::move(options));
    return runOnce(*check).first;
  }

  HttpOptions trustTestCa() const { return HttpOptions{.ca_file = certs_->ca}; }

  static std::vector<std::string> phaseNames(const CheckResult& r) {
    std::vector<std::string> names;
    for (const auto& [name, d] : r.phases) {
      names.push_back(name);
    }
    return names;
  }

  static inline ninevolt::testing::TempDir* dir_ = nullptr;
  static inline TestCerts* certs_ = nullptr;
  boost::asio::io_context io_;
};

std::string base(const TestServer& server, const char* scheme = "http") {
  return std::string(scheme) + "://127.0.0.1:" + std::to_string(server.port());
}

TEST_P(HttpCheckTest, OkWithStatusBodySizeAndPhases) {
  TestServer server;
  auto r = run(spec(server.port(), {{"url", "/ok"}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(r.message, "GET " + base(server) + "/ok: status 200, 6 bytes");
  EXPECT_EQ(r.values["status_code"], 200);
  EXPECT_EQ(r.values["body_bytes"], 6);
  EXPECT_THAT(phaseNames(r), ElementsAre("dns", "connect", "first_byte", "total"));
}

TEST_P(HttpCheckTest, WrongStatusIsCriticalAndNamesBoth) {
  TestServer server;
  auto r = run(spec(server.port(), {{"url", "/status/503"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message, "GET " + base(server) + "/status/503: status 503, want 200");
  EXPECT_EQ(r.values["status_code"], 503);

  auto wanted = run(spec(server.port(), {{"url", "/status/503"}, {"status-code", 503}}));
  EXPECT_EQ(wanted.status, Status::kOk) << wanted.message;
}

TEST_P(HttpCheckTest, ExpectFoundAndNotFound) {
  TestServer server;
  auto found = run(spec(server.port(), {{"url", "/ok"}, {"expect", "all ok"}}));
  EXPECT_EQ(found.status, Status::kOk) << found.message;

  auto missing = run(spec(server.port(), {{"url", "/ok"}, {"expect", "nope"}}));
  EXPECT_EQ(missing.status, Status::kCritical);
  EXPECT_EQ(missing.message,
            "GET " + base(server) + "/ok: expected \"nope\" not found in the body (6 bytes)");
  EXPECT_EQ(missing.failure, Failure::kExpect);
}

TEST_P(HttpCheckTest, BodyIsReadOnlyUpToMaxBody) {
  TestServer server;
  // "needle" sits after 2 MiB: beyond the 1 MiB cap, so it is never read.
  auto r = run(spec(server.port(), {{"url", "/big"}, {"expect", "needle"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_THAT(r.message, HasSubstr("expected \"needle\" not found in the first 1048576 bytes "
                                   "of the body"));
  EXPECT_EQ(r.values["body_bytes"], 1048576);

  auto within = run(spec(server.port(), {{"url", "/big"}, {"expect", "xxxx"}, {"max-body", 10}}));
  EXPECT_EQ(within.status, Status::kOk) << within.message;
  EXPECT_EQ(within.values["body_bytes"], 10);
}

TEST_P(HttpCheckTest, PathAndQueryStringArriveExactlyAsWritten) {
  TestServer server;
  auto r = run(spec(server.port(), {{"url", "/a/../b//c?q=a%20b&x=1&y=%2F..%2F&empty=&plus=a+b"}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].target, "/a/../b//c?q=a%20b&x=1&y=%2F..%2F&empty=&plus=a+b");
}

TEST_P(HttpCheckTest, MethodBodyAndHeadersArrive) {
  TestServer server;
  auto r =
      run(spec(server.port(), {{"url", "/put"},
                               {"method", "PUT"},
                               {"request-body", "hello=1"},
                               {"headers", {{"X-Token", "abc"}, {"Content-Type", "text/plain"}}}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  auto post = run(spec(server.port(), {{"url", "/post"}, {"method", "POST"}}));
  EXPECT_EQ(post.status, Status::kOk) << post.message;

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].body, "hello=1");
  EXPECT_EQ(requests[0].headers["X-Token"], "abc");
  EXPECT_EQ(requests[0].headers["Content-Type"], "text/plain");
  EXPECT_EQ(requests[0].headers.count("Expect"), 0u);
  EXPECT_EQ(requests[1].method, "POST");
  EXPECT_EQ(requests[1].body, "");
  EXPECT_EQ(requests[1].headers["Content-Length"], "0");
}

TEST_P(HttpCheckTest, RedirectsFollowedUnlessDisabled) {
  TestServer server;
  auto followed = run(spec(server.port(), {{"url", "/redirect"}, {"expect", "all ok"}}));
  EXPECT_EQ(followed.status, Status::kOk) << followed.message;
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].target, "/ok");

  auto kept = run(spec(server.port(), {{"url", "/redirect"}, {"follow-redirects", false}}));
  EXPECT_EQ(kept.status, Status::kCritical);
  EXPECT_THAT(kept.message, HasSubstr("status 302, want 200"));
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST_P(HttpCheckTest, TimeoutWaitingForFirstByteNamesThePhase) {
  TestServer server;
  auto check = make(spec(server.port(), {{"url", "/hang"}, {"timeout", "1s"}}));
  auto [r, took] = runOnce(*check);
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message,
            "GET " + base(server) + "/hang: timed out after 1s while waiting for the first byte");
  EXPECT_GE(took, 950ms);
  EXPECT_LT(took, 2s);
  // The connection is closed, not leaked.
  EXPECT_TRUE(runUntil([&] { return server.closedByClient() == 1; }));
}

TEST_P(HttpCheckTest, TimeoutWhileReadingTheBody) {
  TestServer server;
  auto check = make(spec(server.port(), {{"url", "/slowbody"}, {"timeout", "500ms"}}));
  auto [r, took] = runOnce(*check);
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_THAT(r.message, HasSubstr("timed out after 500ms while reading the body"));
  EXPECT_EQ(r.failure, Failure::kTimeout);
  EXPECT_GE(took, 450ms);
  EXPECT_LT(took, 1500ms);
}

TEST_P(HttpCheckTest, TimeoutDuringTlsHandshake) {
  TestServer server{TestServer::Silent{}};
  auto check = make(spec(server.port(), {{"ssl", true}, {"timeout", "500ms"}}), trustTestCa());
  auto [r, took] = runOnce(*check);
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message,
            "GET " + base(server, "https") + "/: timed out after 500ms during the TLS handshake");
  EXPECT_THAT(phaseNames(r), ElementsAre("dns", "connect", "total"));
  EXPECT_GE(took, 450ms);
  EXPECT_LT(took, 1500ms);
}

TEST_P(HttpCheckTest, ConnectionRefused) {
  const uint16_t port = ninevolt::testing::freePort();
  auto r = run(spec(port, {{"url", "/x"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message, "GET http://127.0.0.1:" + std::to_string(port) + "/x: connection refused");
}

TEST_P(HttpCheckTest, HttpsWithTrustedCa) {
  TestServer server(certs_->valid.cert, certs_->valid.key);
  auto r = run(spec(server.port(), {{"url", "/ok"}, {"ssl", true}}), trustTestCa());
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_THAT(r.message, StartsWith("GET " + base(server, "https") + "/ok: status 200"));
  EXPECT_THAT(phaseNames(r), ElementsAre("dns", "connect", "tls", "first_byte", "total"));
  // The handshake takes real time and is not counted as connect (curl 7.88 lumps them).
  ASSERT_EQ(r.phases.size(), 5u);
  EXPECT_GT(r.phases[2].second, Nanos(0));
  EXPECT_LE(r.phases[1].second + r.phases[2].second, r.phases[4].second);
}

TEST_P(HttpCheckTest, HttpsUnknownCaIsCritical) {
  TestServer server(certs_->valid.cert, certs_->valid.key);
  auto r = run(spec(server.port(), {{"ssl", true}}), HttpOptions{.ca_file = certs_->other_ca});
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_THAT(r.message, HasSubstr("TLS certificate verification failed"));
}

TEST_P(HttpCheckTest, HttpsExpiredCertificateIsCritical) {
  TestServer server(certs_->expired.cert, certs_->expired.key);
  auto r = run(spec(server.port(), {{"ssl", true}}), trustTestCa());
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_THAT(r.message, HasSubstr("TLS certificate verification failed: certificate has expired"));
}

TEST_P(HttpCheckTest, HttpsWrongHostIsCritical) {
  TestServer server(certs_->wrong_host.cert, certs_->wrong_host.key);
  auto r = run(spec(server.port(), {{"ssl", true}}), trustTestCa());
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_THAT(r.message, HasSubstr("TLS certificate verification failed"));
  EXPECT_THAT(r.message, HasSubstr("127.0.0.1"));
}

TEST_P(HttpCheckTest, TlsVerifyFalseAcceptsBadCertificates) {
  for (const auto* pair : {&certs_->expired, &certs_->wrong_host}) {
    TestServer server(pair->cert, pair->key);
    auto r = run(spec(server.port(), {{"ssl", true}, {"tls-verify", false}}));
    EXPECT_EQ(r.status, Status::kOk) << pair->cert << ": " << r.message;
  }
}

TEST_P(HttpCheckTest, CertificateExpiringSoonIsAWarningNamingTheDate) {
  TestServer soon(certs_->soon.cert, certs_->soon.key);
  auto r = run(spec(soon.port(), {{"ssl", true}, {"cert-expiry-warning", "168h"}}), trustTestCa());
  EXPECT_EQ(r.status, Status::kWarning) << r.message;
  const std::string day =
      common::formatRfc3339(std::chrono::system_clock::now() + 72h).substr(0, 10);
  EXPECT_THAT(r.message, HasSubstr("certificate expires on " + day));
  EXPECT_THAT(r.message, HasSubstr("cert-expiry-warning 168h"));
  EXPECT_GT(r.values["cert_expires_in_s"], 71 * 3600);

  // The same certificate is fine with a shorter threshold.
  auto quiet =
      run(spec(soon.port(), {{"ssl", true}, {"cert-expiry-warning", "48h"}}), trustTestCa());
  EXPECT_EQ(quiet.status, Status::kOk) << quiet.message;
}

// Easy handles are pooled per loop (CurlMultiService) and reset between transfers: a reused
// handle carries nothing of its last transfer over, TLS sessions included (a resumed session
// would skip the handshake and the certificate, and with it cert-expiry-warning).
TEST_P(HttpCheckTest, AReusedCurlHandleCarriesNothingOver) {
  TestServer soon(certs_->soon.cert, certs_->soon.key);
  auto tls =
      make(spec(soon.port(), {{"ssl", true}, {"cert-expiry-warning", "168h"}}), trustTestCa());
  for (int i = 0; i < 3; ++i) {
    auto r = runOnce(*tls).first;
    EXPECT_EQ(r.status, Status::kWarning) << i << ": " << r.message;
    EXPECT_THAT(r.message, HasSubstr("certificate expires on")) << i;
    ASSERT_EQ(r.phases.size(), 5U) << i;
    EXPECT_GT(r.phases[2].second, Nanos(0)) << i << ": no TLS handshake";
  }
  auto& service = boost::asio::use_service<CurlMultiService>(io_);
  EXPECT_EQ(service.idleEasyHandles(), 1U) << "one handle, reused by every run";

  TestServer server;
  auto put = make(spec(server.port(), {{"url", "/put"},
                                       {"method", "PUT"},
                                       {"request-body", "hello=1"},
                                       {"headers", {{"X-Token", "abc"}}},
                                       {"timeout", "1500ms"}}));
  EXPECT_EQ(runOnce(*put).first.status, Status::kOk);
  auto get = make(spec(server.port(), {{"url", "/ok"}}));
  auto r = runOnce(*get).first;
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(service.idleEasyHandles(), 1U);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].target, "/ok");
  EXPECT_EQ(requests[1].body, "");
  EXPECT_EQ(requests[1].headers.count("X-Token"), 0U);
  EXPECT_EQ(requests[1].headers["User-Agent"], "9volt");
}

TEST_P(HttpCheckTest, FailureWinsOverCertificateWarning) {
  TestServer soon(certs_->soon.cert, certs_->soon.key);
  auto r = run(
      spec(soon.port(), {{"ssl", true}, {"url", "/status/500"}, {"cert-expiry-warning", "168h"}}),
      trustTestCa());
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_THAT(r.message, HasSubstr("status 500, want 200"));
  EXPECT_EQ(r.failure, Failure::kStatusCode);
}

TEST_P(HttpCheckTest, CancelDuringRunNeverCallsBack) {
  TestServer server;
  auto check = make(spec(server.port(), {{"url", "/hang"}, {"timeout", "1s"}}));
  bool called = false;
  check->start([&](CheckResult) { called = true; });
  ASSERT_TRUE(runUntil([&] { return server.requests().size() == 1; }));
  check->cancel();
  // The server sees the connection go away; past the timeout, still no callback.
  EXPECT_TRUE(runUntil([&] { return server.closedByClient() == 1; }));
  io_.restart();
  io_.run_for(1500ms);  // returns as soon as the loop has no work left
  EXPECT_FALSE(called);

  // Cancelled right after start, and idle cancel, are fine too; the check can run again.
  check->start([&](CheckResult) { called = true; });
  check->cancel();
  check->cancel();
  io_.restart();
  io_.run_for(1500ms);
  EXPECT_FALSE(called);
}

TEST_P(HttpCheckTest, DestroyDuringRunClosesTheConnection) {
  TestServer server;
  bool called = false;
  {
    auto check = make(spec(server.port(), {{"url", "/hang"}}));
    check->start([&](CheckResult) { called = true; });
    ASSERT_TRUE(runUntil([&] { return server.requests().size() == 1; }));
  }
  EXPECT_TRUE(runUntil([&] { return server.closedByClient() == 1; }));
  EXPECT_FALSE(called);
}

TEST_P(HttpCheckTest, EachRunIsAFreshConnectionAndDoneMayStartTheNext) {
  TestServer server;
  auto check = make(spec(server.port(), {{"url", "/ok"}}));
  int runs = 0;
  std::function<void(CheckResult)> again = [&](CheckResult r) {
    EXPECT_EQ(r.status, Status::kOk) << r.message;
    if (++runs < 3) {
      check->start(again);
    }
  };
  check->start(again);
  ASSERT_TRUE(runUntil([&] { return runs == 3; }));
  EXPECT_EQ(server.accepted(), 3);
}

TEST_P(HttpCheckTest, ManyConcurrentChecksOnOneLoop) {
  TestServer server;
  constexpr int kChecks = 200;
  std::vector<std::unique_ptr<Check>> checks;
  int ok = 0;
  int done = 0;
  for (int i = 0; i < kChecks; ++i) {
    checks.push_back(
        make(spec(server.port(), {{"url", "/ok?i=" + std::to_string(i)}, {"timeout", "20s"}})));
  }
  for (auto& check : checks) {
    check->start([&](CheckResult r) {
      ++done;
      ok += r.status == Status::kOk ? 1 : 0;
      EXPECT_EQ(r.status, Status::kOk) << r.message;
    });
  }
  ASSERT_TRUE(runUntil([&] { return done == kChecks; }, 30s)) << done << " of " << kChecks;
  EXPECT_EQ(ok, kChecks);
  EXPECT_EQ(server.requests().size(), static_cast<size_t>(kChecks));
}

TEST_P(HttpCheckTest, LoopsOnSeveralThreadsEachHaveTheirOwnMulti) {
  TestServer server;
  auto factory = makeHttpCheckFactory(options());
  constexpr int kPerLoop = 50;
  std::atomic<int> ok{0};
  auto worker = [&] {
    boost::asio::io_context io;
    std::vector<std::unique_ptr<Check>> checks;
    for (int i = 0; i < kPerLoop; ++i) {
      checks.push_back(factory->create(spec(server.port(), {{"timeout", "20s"}}), io));
      checks.back()->start([&](CheckResult r) { ok += r.status == Status::kOk ? 1 : 0; });
    }
    io.run_for(30s);  // returns when every transfer is done
  };
  std::thread a(worker);
  std::thread b(worker);
  a.join();
  b.join();
  EXPECT_EQ(ok, 2 * kPerLoop);
}

INSTANTIATE_TEST_SUITE_P(Clients, HttpCheckTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Plain" : "Curl";
                         });

}  // namespace
}  // namespace ninevolt::checks::http
