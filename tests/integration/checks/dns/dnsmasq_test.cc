// The dns check against a real dnsmasq serving the test's own records on 127.0.0.1.
#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dns_harness.h"

namespace ninevolt::testing {
namespace {

using checks::Status;
using ::testing::HasSubstr;

std::string bigTxtRecords() {
  // 12 TXT records of 60 characters: ~900 bytes, over the 512 a UDP answer may carry
  // without EDNS, so dnsmasq sets TC and the check must retry over TCP.
  std::string lines;
  for (int i = 0; i < 12; ++i) {
    lines += "txt-record=big.test,\"record-" + std::to_string(10 + i) + "-" + std::string(50, 'x')
             + "\"\n";
  }
  return lines;
}

const std::string kRecords = R"(# everything under test. not listed is NXDOMAIN
local=/test/
host-record=a.test,10.1.2.3,fd00::1
address=/addr.test/10.4.5.6
host-record=multi.test,10.0.0.1
host-record=multi.test,10.0.0.2
cname=alias.test,a.test
mx-host=mx.test,mail.a.test,10
srv-host=_sip._tcp.srv.test,a.test,5060,1,2
txt-record=txt.test,"hello world"
ptr-record=9.9.9.10.in-addr.arpa,ptr.a.test
caa-record=caa.test,0,issue,letsencrypt.org
)" + bigTxtRecords();

// Authoritative mode answers every query on its address as an authority (REFUSED outside
// its zones), so NS and SOA come from a second dnsmasq.
const std::string kAuthZone = R"(auth-server=ns1.zone.test,127.0.0.1
auth-zone=zone.test
auth-soa=2024010101,hostmaster.zone.test
host-record=www.zone.test,10.7.7.7
)";

class DnsmasqTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dnsmasq_ = new Dnsmasq(kRecords, "a.test");
    auth_ = new Dnsmasq(kAuthZone, "www.zone.test");
  }
  static void TearDownTestSuite() {
    delete dnsmasq_;  // kills dnsmasq by pid and reaps it
    dnsmasq_ = nullptr;
    delete auth_;
    auth_ = nullptr;
  }

  checks::CheckResult run(nlohmann::json fields, Dnsmasq* server = dnsmasq_) {
    auto result = runCheck(io_, dnsSpec(server->port(), std::move(fields)));
    EXPECT_TRUE(result) << "the check never finished";
    if (!result) {
      return checks::CheckResult::unknown("never finished");
    }
    return *result;
  }

  // Asks for target/type and expects OK with one answer matching `pattern`.
  void expectOne(const std::string& target, const std::string& type, const std::string& pattern,
                 Dnsmasq* server = dnsmasq_) {
    SCOPED_TRACE(type + " " + target);
    auto r = run({{"dns-target", target},
                  {"dns-record-type", type},
                  {"dns-expected-count", 1},
                  {"expect", pattern}},
                 server);
    EXPECT_EQ(r.status, Status::kOk) << r.message << "\n" << server->log();
    EXPECT_EQ(r.values["answers"], 1);
    EXPECT_EQ(r.values["rcode"], 0);
  }

  static Dnsmasq* dnsmasq_;
  static Dnsmasq* auth_;
  boost::asio::io_context io_;
};
Dnsmasq* DnsmasqTest::dnsmasq_ = nullptr;
Dnsmasq* DnsmasqTest::auth_ = nullptr;

TEST_F(DnsmasqTest, EveryRecordTypeInPresentationForm) {
  expectOne("a.test", "A", R"(^a\.test\.\t\d+\tIN\tA\t10\.1\.2\.3$)");
  expectOne("addr.test", "A", R"(IN\tA\t10\.4\.5\.6$)");
  expectOne("a.test", "AAAA", R"(^a\.test\.\t\d+\tIN\tAAAA\tfd00::1$)");
  expectOne("alias.test", "CNAME", R"(^alias\.test\.\t\d+\tIN\tCNAME\ta\.test\.$)");
  expectOne("mx.test", "MX", R"(IN\tMX\t10 mail\.a\.test\.$)");
  expectOne("zone.test", "NS", R"(^zone\.test\.\t\d+\tIN\tNS\tns1\.zone\.test\.$)", auth_);
  expectOne("txt.test", "TXT", R"(IN\tTXT\t"hello world"$)");
  expectOne("zone.test", "SOA",
            R"(IN\tSOA\tns1\.zone\.test\. hostmaster\.zone\.test\. 2024010101 )", auth_);
  expectOne("_sip._tcp.srv.test", "SRV", R"(IN\tSRV\t1 2 5060 a\.test\.$)");
  expectOne("9.9.9.10.in-addr.arpa", "PTR", R"(IN\tPTR\tptr\.a\.test\.$)");
  expectOne("caa.test", "CAA", R"(IN\tCAA\t0 issue "letsencrypt\.org"$)");
}

TEST_F(DnsmasqTest, OkResultCarriesPhasesAndValues) {
  auto r = run({{"dns-target", "a.test"}});
  ASSERT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_THAT(r.message, HasSubstr("1 A record for a.test from 127.0.0.1:"));
  ASSERT_GE(r.phases.size(), 2u);
  EXPECT_EQ(r.phases.front().first, "query");
  EXPECT_EQ(r.phases.back().first, "total");
  EXPECT_FALSE(phase(r, "tcp_retry"));
}

TEST_F(DnsmasqTest, NamesAreCaseInsensitiveAndMayBeAbsolute) {
  auto r = run({{"dns-target", "A.Test."}});
  EXPECT_EQ(r.status, Status::kOk) << r.message;
}

TEST_F(DnsmasqTest, CnameChainCountsOnlyTheAskedType) {
  // "A? alias.test" answers CNAME + A; only the A is an answer to the question, so a count
  // of 1 and an expect that only an A record matches both pass.
  auto r = run({{"dns-target", "alias.test"},
                {"dns-expected-count", 1},
                {"expect", R"(IN\tA\t10\.1\.2\.3$)"}});
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(r.values["answers"], 1);
}

TEST_F(DnsmasqTest, TruncatedAnswerIsRetriedOverTcp) {
  auto r = run({{"dns-target", "big.test"},
                {"dns-record-type", "TXT"},
                {"dns-expected-count", 12},
                {"expect", R"(IN\tTXT\t"record-\d\d-x{50}"$)"}});
  EXPECT_EQ(r.status, Status::kOk) << r.message << "\n" << dnsmasq_->log();
  EXPECT_EQ(r.values["answers"], 12);
  ASSERT_TRUE(phase(r, "tcp_retry"));
  ASSERT_GE(r.phases.size(), 3u);
  EXPECT_EQ(r.phases[0].first, "query");
  EXPECT_EQ(r.phases[1].first, "tcp_retry");
  EXPECT_EQ(r.phases[2].first, "total");
}

TEST_F(DnsmasqTest, NxdomainIsCriticalAndNamed) {
  auto r = run({{"dns-target", "nope.test"}});
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_THAT(r.message, HasSubstr("answered NXDOMAIN for nope.test A"));
  EXPECT_EQ(r.values["rcode"], 3);
}

TEST_F(DnsmasqTest, ExpectedCountMatchAndMismatch) {
  auto ok = run({{"dns-target", "multi.test"}, {"dns-expected-count", 2}});
  EXPECT_EQ(ok.status, Status::kOk) << ok.message;
  EXPECT_EQ(ok.values["answers"], 2);

  auto bad = run({{"dns-target", "multi.test"}, {"dns-expected-count", 3}});
  EXPECT_EQ(bad.status, Status::kCritical);
  EXPECT_EQ(bad.message, "expected 3 A records for multi.test, got 2");
}

TEST_F(DnsmasqTest, NoAnswersIsCritical) {
  // txt.test exists (NOERROR) but has no A record.
  auto r = run({{"dns-target", "txt.test"}});
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message, "no A records for txt.test");
  EXPECT_EQ(r.values["answers"], 0);
}

TEST_F(DnsmasqTest, ExpectedCountZeroMeansNoneWanted) {
  auto r = run({{"dns-target", "txt.test"}, {"dns-expected-count", 0}});
  EXPECT_EQ(r.status, Status::kOk) << r.message;
}

TEST_F(DnsmasqTest, ExpectMismatchWithoutCountIsCritical) {
  // The original 9volt ignored expect unless a count was set.
  auto r = run({{"dns-target", "multi.test"}, {"expect", R"(\t10\.0\.0\.1$)"}});
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_THAT(r.message, HasSubstr("does not match expect"));
  EXPECT_THAT(r.message, HasSubstr("10.0.0.2"));  // names the answer that does not match
}

TEST_F(DnsmasqTest, ExpectMismatchWithCountIsCritical) {
  auto r = run({{"dns-target", "a.test"}, {"dns-expected-count", 1}, {"expect", "10\\.9\\."}});
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.message, "A record 'a.test.\t0\tIN\tA\t10.1.2.3' does not match expect '10\\.9\\.'")
      << "(ttl 0 is dnsmasq's default for local records)";
}

TEST_F(DnsmasqTest, ExpectMatchWithAndWithoutCount) {
  EXPECT_EQ(run({{"dns-target", "multi.test"}, {"expect", R"(IN\tA\t10\.0\.0\.[12]$)"}}).status,
            Status::kOk);
  EXPECT_EQ(run({{"dns-target", "multi.test"},
                 {"dns-expected-count", 2},
                 {"expect", R"(IN\tA\t10\.0\.0\.[12]$)"}})
                .status,
            Status::kOk);
}

TEST_F(DnsmasqTest, CountIsJudgedBeforeExpect) {
  auto r = run({{"dns-target", "multi.test"}, {"dns-expected-count", 5}, {"expect", "nomatch"}});
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_THAT(r.message, HasSubstr("expected 5 A records"));
}

TEST_F(DnsmasqTest, MaxTimeMetByAFastServer) {
  auto r = run({{"dns-target", "a.test"}, {"dns-max-time", "2s"}});
  EXPECT_EQ(r.status, Status::kOk) << r.message;
}

}  // namespace
}  // namespace ninevolt::testing
