// The dns check against a server that misbehaves on purpose (FakeDnsServer) or is absent.
#include <chrono>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "checks/dns/dns_check.h"
#include "dns_harness.h"
#include "fake_dns_server.h"
#include "support/etcd_fixture.h"  // eventually()

namespace ninevolt::testing {
namespace {

using checks::Status;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::chrono_literals;

class FakeServerTest : public ::testing::Test {
 protected:
  checks::CheckResult run(uint16_t port, nlohmann::json fields) {
    auto result = runCheck(io_, dnsSpec(port, std::move(fields)));
    EXPECT_TRUE(result) << "the check never finished";
    return result ? *result : checks::CheckResult::unknown("never finished");
  }

  boost::asio::io_context io_;
};

TEST_F(FakeServerTest, AnswersFromTheFakeServer) {
  FakeDnsServer server(io_, {});
  auto r = run(server.port(), {{"dns-target", "x.test"}, {"expect", R"(IN\tA\t10\.9\.9\.9$)"}});
  EXPECT_EQ(r.status, Status::kOk) << r.message;
}

TEST_F(FakeServerTest, RcodesAreCriticalAndNamed) {
  for (auto [rcode, name] : {std::pair{2, "SERVFAIL"}, {5, "REFUSED"}, {3, "NXDOMAIN"}}) {
    FakeDnsServer server(io_, {.rcode = rcode});
    auto r = run(server.port(), {{"dns-target", "x.test"}});
    EXPECT_EQ(r.status, Status::kCritical);
    EXPECT_EQ(r.message,
              "127.0.0.1:" + std::to_string(server.port()) + " answered " + name + " for x.test A");
    EXPECT_EQ(r.values["rcode"], rcode);
  }
}

TEST_F(FakeServerTest, RcodeIsJudgedBeforeCount) {
  FakeDnsServer server(io_, {.rcode = 2});
  auto r = run(server.port(), {{"dns-target", "x.test"}, {"dns-expected-count", 0}});
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_THAT(r.message, HasSubstr("SERVFAIL"));
}

TEST_F(FakeServerTest, SilentServerTimesOutNamingServerAndPhase) {
  FakeDnsServer server(io_, {.silent = true});
  const auto started = std::chrono::steady_clock::now();
  auto r = run(server.port(), {{"dns-target", "x.test"}, {"timeout", "300ms"}});
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message, "timed out after 300ms waiting for an answer from 127.0.0.1:"
                           + std::to_string(server.port()) + " (udp)");
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 2s);
  EXPECT_EQ(server.queries(), 1);
  EXPECT_TRUE(phase(r, "query"));
  EXPECT_EQ(r.phases.back().first, "total");
}

TEST_F(FakeServerTest, TimeoutInTheTcpPhaseSaysSo) {
  FakeDnsServer server(io_, {.truncate = true});
  auto r = run(server.port(), {{"dns-target", "x.test"}, {"timeout", "300ms"}});
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message, "timed out after 300ms waiting for an answer from 127.0.0.1:"
                           + std::to_string(server.port())
                           + " (tcp, after a truncated udp answer)");
  EXPECT_EQ(server.tcpConnections(), 1);
  EXPECT_TRUE(phase(r, "query"));
  EXPECT_TRUE(phase(r, "tcp_retry"));
}

TEST_F(FakeServerTest, NothingListeningIsCriticalRightAway) {
  const uint16_t port = freePort();
  const auto started = std::chrono::steady_clock::now();
  auto r = run(port, {{"dns-target", "x.test"}, {"timeout", "3s"}});
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_THAT(r.message,
              StartsWith("DNS server 127.0.0.1:" + std::to_string(port) + " refused the query"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);  // the ICMP error, not the timeout
}

TEST_F(FakeServerTest, MaxTimeExceededIsCritical) {
  FakeDnsServer server(io_, {.delay = 200ms});
  auto r =
      run(server.port(), {{"dns-target", "x.test"}, {"dns-max-time", "50ms"}, {"timeout", "2s"}});
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_THAT(r.message, StartsWith("answer took "));
  EXPECT_THAT(r.message, HasSubstr("more than dns-max-time 50ms"));
}

TEST_F(FakeServerTest, MaxTimeIsJudgedAfterCountAndBeforeExpect) {
  FakeDnsServer server(io_, {.delay = 100ms});
  auto count = run(server.port(),
                   {{"dns-target", "x.test"}, {"dns-max-time", "10ms"}, {"dns-expected-count", 2}});
  EXPECT_THAT(count.message, HasSubstr("expected 2 A records"));
  auto expect = run(server.port(),
                    {{"dns-target", "x.test"}, {"dns-max-time", "10ms"}, {"expect", "nomatch"}});
  EXPECT_THAT(expect.message, HasSubstr("more than dns-max-time"));
}

TEST_F(FakeServerTest, RepliesWithAWrongIdAreIgnored) {
  FakeDnsServer server(io_, {.wrong_id_replies = 2});
  auto r = run(server.port(), {{"dns-target", "x.test"}});
  EXPECT_EQ(r.status, Status::kOk) << r.message;
}

TEST_F(FakeServerTest, OnlyWrongIdsEndInATimeoutThatSaysWhy) {
  FakeDnsServer server(io_, {.wrong_id_replies = 1, .only_wrong_ids = true});
  auto r = run(server.port(), {{"dns-target", "x.test"}, {"timeout", "300ms"}});
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_THAT(r.message, StartsWith("timed out after 300ms waiting for an answer from"));
  EXPECT_THAT(r.message, HasSubstr("ignored 1 reply that did not answer the query (reply ID"));
}

TEST_F(FakeServerTest, ServerGivenByNameIsResolvedFirst) {
  FakeDnsServer server(io_, {});
  auto r = run(server.port(), {{"host", "localhost"}, {"dns-target", "x.test"}});
  // localhost may resolve to ::1 first where nothing listens; either way it was resolved.
  EXPECT_TRUE(phase(r, "resolve")) << r.message;
  EXPECT_THAT(r.message, HasSubstr("localhost:"));
}

TEST_F(FakeServerTest, UnencodableTargetIsUnknownAndNothingIsSent) {
  FakeDnsServer server(io_, {});
  auto r = run(server.port(), {{"dns-target", "a..b"}});
  EXPECT_EQ(r.status, Status::kUnknown);
  EXPECT_EQ(r.message, "'a..b' is not a valid DNS name");
  EXPECT_EQ(server.queries(), 0);
}

TEST_F(FakeServerTest, CancelStopsTheRunWithoutACallback) {
  FakeDnsServer server(io_, {.silent = true});
  auto check = checks::makeDnsCheckFactory()->create(
      dnsSpec(server.port(), {{"dns-target", "x.test"}, {"timeout", "100ms"}}), io_);
  int calls = 0;
  check->start([&](checks::CheckResult) { ++calls; });
  ASSERT_TRUE(eventually([&] {
    io_.run_one_for(10ms);
    io_.restart();
    return server.queries() == 1;
  }));
  check->cancel();
  check->cancel();     // idempotent
  io_.run_for(300ms);  // past the timeout: nothing may fire
  EXPECT_EQ(calls, 0);

  // The check is reusable after a cancel.
  check->start([&](checks::CheckResult) { ++calls; });
  EXPECT_TRUE(eventually([&] {
    io_.run_one_for(10ms);
    io_.restart();
    return calls == 1;
  }));
}

TEST_F(FakeServerTest, DestroyingARunningCheckIsSafe) {
  FakeDnsServer server(io_, {.delay = 50ms});
  int calls = 0;
  {
    auto check = checks::makeDnsCheckFactory()->create(
        dnsSpec(server.port(), {{"dns-target", "x.test"}}), io_);
    check->start([&](checks::CheckResult) { ++calls; });
    io_.poll();
  }
  io_.restart();
  io_.run_for(200ms);  // the answer arrives for a check that is gone
  EXPECT_EQ(calls, 0);
}

TEST_F(FakeServerTest, ThrowingDoneCallbackDoesNotEscapeTheLoop) {
  FakeDnsServer server(io_, {});
  auto check = checks::makeDnsCheckFactory()->create(
      dnsSpec(server.port(), {{"dns-target", "x.test"}}), io_);
  bool called = false;
  check->start([&](checks::CheckResult) {
    called = true;
    throw std::runtime_error("engine bug");
  });
  EXPECT_NO_THROW(eventually([&] {
    io_.run_one_for(10ms);
    io_.restart();
    return called;
  }));
  EXPECT_TRUE(called);
}

}  // namespace
}  // namespace ninevolt::testing
