// Per-type fields, defaults and rules of the original four types: http, tcp, dns, exec (udp and
// tls: tests/integration/checks/<type>).

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <re2/re2.h>

#include "checks/dns/dns_type.h"
#include "checks/exec/exec_type.h"
#include "checks/http/http_type.h"
#include "checks/tcp/tcp_type.h"
#include "config/spec.h"
#include "helpers.h"
#include "support/check_types.h"

namespace ninevolt::config {
namespace {

using namespace std::chrono_literals;
using cfgtest::monitorYaml;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::SizeIs;

const std::string kHttp = "type: http\nhost: example.com\ninterval: 10s\n";
const std::string kTcp = "type: tcp\nhost: db.local\nport: 5432\ninterval: 10s\n";
const std::string kDns = "type: dns\nhost: 127.0.0.1\ndns-target: example.com\ninterval: 10s\n";
const std::string kExec = "type: exec\ncommand: /usr/lib/nagios/plugins/check_load\ninterval: 1m\n";

// A build without one of the types (NINEVOLT_CHECK_TYPES) skips its suite, naming it.
NV_CHECK_TYPE_SUITE(Http, "http");
NV_CHECK_TYPE_SUITE(Tcp, "tcp");
NV_CHECK_TYPE_SUITE(Dns, "dns");
NV_CHECK_TYPE_SUITE(Exec, "exec");

// --- http ---

TEST_F(Http, SslChangesDefaultPort) {
  auto m = monitorYaml(kHttp + "ssl: true\n");
  ASSERT_TRUE(m.spec);
  EXPECT_TRUE(cfgtest::typed<checks::http::HttpSpec>(m.spec).ssl);
  EXPECT_EQ(cfgtest::typed<checks::http::HttpSpec>(m.spec).port, 443);
  auto explicit_port = monitorYaml(kHttp + "ssl: true\nport: 8443\n");
  ASSERT_TRUE(explicit_port.spec);
  EXPECT_EQ(cfgtest::typed<checks::http::HttpSpec>(explicit_port.spec).port, 8443);
}

TEST_F(Http, AllFieldsAreRead) {
  auto m = monitorYaml(kHttp +
                       "url: /search?q=a%20b&x=1#frag\n"
                       "method: post\n"
                       "status-code: 201\n"
                       "request-body: '{\"a\":1}'\n"
                       "headers: {Content-Type: application/json, X-Token: abc}\n"
                       "tls-verify: false\n"
                       "follow-redirects: false\n"
                       "max-body: 2048\n"
                       "expect: ok\n");
  ASSERT_TRUE(m.spec) << ::testing::PrintToString(m.problems);
  const auto& s = cfgtest::typed<checks::http::HttpSpec>(m.spec);
  EXPECT_EQ(s.url, "/search?q=a%20b&x=1#frag");  // query string kept exactly as written
  EXPECT_EQ(s.method, "POST");                   // normalised
  EXPECT_EQ(s.status_code, 201);
  EXPECT_EQ(s.request_body, "{\"a\":1}");
  EXPECT_THAT(s.headers,
              ElementsAre(Pair("Content-Type", "application/json"), Pair("X-Token", "abc")));
  EXPECT_FALSE(s.tls_verify);
  EXPECT_FALSE(s.follow_redirects);
  EXPECT_EQ(s.max_body, 2048);
  EXPECT_EQ(s.expect, "ok");
  EXPECT_FALSE(s.cert_expiry_warning);
}

TEST_F(Http, UrlMustBeAPath) {
  EXPECT_THAT(monitorYaml(kHttp + "url: index.html\n").problems,
              ElementsAre("monitor 'web': url: must start with '/', got \"index.html\""));
  EXPECT_THAT(monitorYaml(kHttp + "url: \"\"\n").problems,
              ElementsAre("monitor 'web': url: must start with '/', got \"\""));
  auto full = monitorYaml(kHttp + "url: https://example.com/\n").problems;
  ASSERT_THAT(full, SizeIs(1));
  EXPECT_THAT(full[0], HasSubstr("not a full URL"));
  EXPECT_THAT(monitorYaml(kHttp + "url: /a b\n").problems, SizeIs(1));
}

TEST_F(Http, Method) {
  EXPECT_THAT(monitorYaml(kHttp + "method: GETT\n").problems,
              ElementsAre("monitor 'web': method: unknown method 'GETT' (did you mean 'GET'?); "
                          "one of GET HEAD POST PUT PATCH DELETE OPTIONS"));
  for (const char* m : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    auto r = monitorYaml(kHttp + "method: " + m + "\n");
    ASSERT_TRUE(r.spec) << m;
    EXPECT_EQ(cfgtest::typed<checks::http::HttpSpec>(r.spec).method, m);
  }
}

TEST_F(Http, StatusCodeRange) {
  EXPECT_THAT(monitorYaml(kHttp + "status-code: 99\n").problems,
              ElementsAre("monitor 'web': status-code: must be between 100 and 599, got 99"));
  EXPECT_THAT(monitorYaml(kHttp + "status-code: 600\n").problems, SizeIs(1));
  EXPECT_TRUE(monitorYaml(kHttp + "status-code: 599\n").spec);
}

TEST_F(Http, Headers) {
  EXPECT_THAT(monitorYaml(kHttp + "headers: {X-A: 1}\n").problems,
              ElementsAre("monitor 'web': headers.X-A: expected a string, got integer 1"));
  EXPECT_THAT(monitorYaml(kHttp + "headers: [a]\n").problems,
              ElementsAre("monitor 'web': headers: expected a map of strings, got list"));
  EXPECT_THAT(monitorYaml(kHttp + "headers: {\"Bad Name\": x}\n").problems,
              ElementsAre("monitor 'web': headers: invalid header name 'Bad Name'"));
  EXPECT_THAT(monitorYaml(kHttp + "headers: {X-A: \"a\\r\\nX-B: b\"}\n").problems,
              ElementsAre("monitor 'web': headers.X-A: must not contain line breaks"));
}

TEST_F(Http, CertExpiryWarningNeedsSsl) {
  EXPECT_THAT(monitorYaml(kHttp + "cert-expiry-warning: 168h\n").problems,
              ElementsAre("monitor 'web': cert-expiry-warning: only applies when ssl is true"));
  auto ok = monitorYaml(kHttp + "ssl: true\ncert-expiry-warning: 168h\n");
  ASSERT_TRUE(ok.spec);
  EXPECT_EQ(cfgtest::typed<checks::http::HttpSpec>(ok.spec).cert_expiry_warning,
            std::chrono::nanoseconds(168h));
}

TEST_F(Http, MaxBodyMustBePositive) {
  EXPECT_THAT(monitorYaml(kHttp + "max-body: 0\n").problems,
              ElementsAre("monitor 'web': max-body: must be greater than 0, got 0"));
}

TEST_F(Http, TypeSpecificFieldsOfOtherTypesAreRejected) {
  NV_REQUIRE_CHECK_TYPES("tcp", "exec");  // whose fields these are
  EXPECT_THAT(monitorYaml(kHttp + "send: x\nargs: [a]\n").problems,
              ElementsAre("monitor 'web': field 'args' does not apply to type http",
                          "monitor 'web': field 'send' does not apply to type http"));
}

// --- tcp ---

TEST_F(Tcp, Defaults) {
  auto m = monitorYaml(kTcp);
  ASSERT_TRUE(m.spec) << ::testing::PrintToString(m.problems);
  EXPECT_EQ(m.spec->typeName(), "tcp");
  EXPECT_EQ(cfgtest::typed<checks::tcp::TcpSpec>(m.spec).port, 5432);
  EXPECT_EQ(m.spec->timeout, 4s);
  EXPECT_EQ(cfgtest::typed<checks::tcp::TcpSpec>(m.spec).read_timeout, 2s);
  EXPECT_EQ(cfgtest::typed<checks::tcp::TcpSpec>(m.spec).write_timeout, 2s);
  EXPECT_EQ(cfgtest::typed<checks::tcp::TcpSpec>(m.spec).read_size, 4096);
}

TEST_F(Tcp, FieldsAreRead) {
  auto m = monitorYaml(kTcp +
                       "send: \"PING\\r\\n\"\nexpect: PONG\nread-timeout: 500ms\n"
                       "write-timeout: 1s\nread-size: 16\n");
  ASSERT_TRUE(m.spec) << ::testing::PrintToString(m.problems);
  EXPECT_EQ(cfgtest::typed<checks::tcp::TcpSpec>(m.spec).send, "PING\r\n");
  EXPECT_EQ(cfgtest::typed<checks::tcp::TcpSpec>(m.spec).expect, "PONG");
  EXPECT_EQ(cfgtest::typed<checks::tcp::TcpSpec>(m.spec).read_timeout, 500ms);
  EXPECT_EQ(cfgtest::typed<checks::tcp::TcpSpec>(m.spec).write_timeout, 1s);
  EXPECT_EQ(cfgtest::typed<checks::tcp::TcpSpec>(m.spec).read_size, 16);
}

TEST_F(Tcp, PortIsRequired) {
  EXPECT_THAT(monitorYaml("type: tcp\nhost: h\ninterval: 10s\n").problems,
              ElementsAre("monitor 'web': port: required field is missing"));
}

TEST_F(Tcp, HostIsRequired) {
  EXPECT_THAT(monitorYaml("type: tcp\nport: 22\ninterval: 10s\n").problems,
              ElementsAre("monitor 'web': host: required field is missing"));
}

TEST_F(Tcp, ReadSizeAndTimeouts) {
  EXPECT_THAT(monitorYaml(kTcp + "read-size: 0\n").problems,
              ElementsAre("monitor 'web': read-size: must be greater than 0, got 0"));
  EXPECT_THAT(monitorYaml(kTcp + "read-timeout: 0s\n").problems,
              ElementsAre("monitor 'web': read-timeout: must be greater than 0, got 0s"));
  EXPECT_THAT(monitorYaml(kTcp + "write-timeout: 2\n").problems,
              ElementsAre("monitor 'web': write-timeout: 2 has no unit; write it as \"2s\""));
}

TEST_F(Tcp, ShortIntervalCapsTimeout) {
  auto m = monitorYaml("type: tcp\nhost: h\nport: 1\ninterval: 2s\n");
  ASSERT_TRUE(m.spec);
  EXPECT_EQ(m.spec->timeout, 2s);
}

TEST_F(Tcp, UrlDoesNotApply) {
  EXPECT_THAT(monitorYaml(kTcp + "url: /\n").problems,
              ElementsAre("monitor 'web': field 'url' does not apply to type tcp"));
}

// --- dns ---

TEST_F(Dns, Defaults) {
  auto m = monitorYaml(kDns);
  ASSERT_TRUE(m.spec) << ::testing::PrintToString(m.problems);
  EXPECT_EQ(m.spec->typeName(), "dns");
  EXPECT_EQ(cfgtest::typed<checks::dns::DnsSpec>(m.spec).host, "127.0.0.1");
  EXPECT_EQ(cfgtest::typed<checks::dns::DnsSpec>(m.spec).port, 53);
  EXPECT_EQ(m.spec->timeout, 3s);
  EXPECT_EQ(cfgtest::typed<checks::dns::DnsSpec>(m.spec).dns_target, "example.com");
  EXPECT_EQ(cfgtest::typed<checks::dns::DnsSpec>(m.spec).dns_record_type, "A");
  EXPECT_EQ(cfgtest::typed<checks::dns::DnsSpec>(m.spec).expect, ".");
  ASSERT_NE(cfgtest::typed<checks::dns::DnsSpec>(m.spec).expect_regex, nullptr);
  EXPECT_TRUE(re2::RE2::PartialMatch("example.com.\t299\tIN\tA\t1.2.3.4",
                                     *cfgtest::typed<checks::dns::DnsSpec>(m.spec).expect_regex));
  EXPECT_FALSE(cfgtest::typed<checks::dns::DnsSpec>(m.spec).dns_max_time);
  EXPECT_FALSE(cfgtest::typed<checks::dns::DnsSpec>(m.spec).dns_expected_count);
}

TEST_F(Dns, FieldsAreRead) {
  auto m = monitorYaml(kDns +
                       "port: 5353\ndns-record-type: aaaa\ndns-max-time: 250ms\n"
                       "dns-expected-count: 0\nexpect: \"IN\\\\s+AAAA\\\\s+2001:db8::1$\"\n");
  ASSERT_TRUE(m.spec) << ::testing::PrintToString(m.problems);
  EXPECT_EQ(cfgtest::typed<checks::dns::DnsSpec>(m.spec).port, 5353);
  EXPECT_EQ(cfgtest::typed<checks::dns::DnsSpec>(m.spec).dns_record_type, "AAAA");
  EXPECT_EQ(cfgtest::typed<checks::dns::DnsSpec>(m.spec).dns_max_time,
            std::chrono::nanoseconds(250ms));
  EXPECT_EQ(cfgtest::typed<checks::dns::DnsSpec>(m.spec).dns_expected_count, 0);
  ASSERT_NE(cfgtest::typed<checks::dns::DnsSpec>(m.spec).expect_regex, nullptr);
  EXPECT_TRUE(re2::RE2::PartialMatch("example.com.\t60\tIN\tAAAA\t2001:db8::1",
                                     *cfgtest::typed<checks::dns::DnsSpec>(m.spec).expect_regex));
  EXPECT_FALSE(re2::RE2::PartialMatch("example.com.\t60\tIN\tA\t1.2.3.4",
                                      *cfgtest::typed<checks::dns::DnsSpec>(m.spec).expect_regex));
}

TEST_F(Dns, InvalidRegexIsAProblemNotACrash) {
  auto p = monitorYaml(kDns + "expect: \"([a-z\"\n").problems;
  ASSERT_THAT(p, SizeIs(1));
  EXPECT_THAT(p[0], HasSubstr("monitor 'web': expect: invalid regular expression \"([a-z\": "));
  EXPECT_THAT(monitorYaml(kDns + "expect: \"*\"\n").problems, SizeIs(1));
  EXPECT_THAT(monitorYaml(kDns + "expect: \"a{2,1}\"\n").problems, SizeIs(1));
}

// std::regex overflowed the stack compiling a back-reference with a huge number (found by the
// config_json fuzz target) and recursed per character when matching. RE2 (Go's syntax, as the
// original 9volt's) has no back-references, bounds its memory, and matches in linear time.
TEST_F(Dns, ExpectIsRe2WithoutBackReferencesAndLinearOnLongAnswers) {
  // RE2 reads \555 as an octal character code and the rest as literal digits.
  auto found =
      monitorYaml(kDns + "expect: 'IN\\s+A\\s+93\\.18?\\" + std::string(110, '5') + ".'\n");
  ASSERT_TRUE(found.spec) << ::testing::PrintToString(found.problems);
  EXPECT_FALSE(
      re2::RE2::PartialMatch("example.com.\t60\tIN\tA\t93.184.216.34",
                             *cfgtest::typed<checks::dns::DnsSpec>(found.spec).expect_regex));
  auto p = monitorYaml(kDns + "expect: '(a)\\1'\n").problems;
  ASSERT_THAT(p, SizeIs(1));
  EXPECT_THAT(p[0], HasSubstr("expect: invalid regular expression \"(a)\\1\": invalid escape"));
  EXPECT_THAT(monitorYaml(kDns + "expect: '((((((((((a{1000}){1000}){1000}))))))))'\n").problems,
              SizeIs(1));  // over the memory bound, not 8 GB
  auto m = monitorYaml(kDns + "expect: '(a|aa)*b'\n");
  ASSERT_TRUE(m.spec) << ::testing::PrintToString(m.problems);
  const std::string answer(1'000'000, 'a');  // exponential for a backtracking matcher
  EXPECT_FALSE(
      re2::RE2::PartialMatch(answer, *cfgtest::typed<checks::dns::DnsSpec>(m.spec).expect_regex));
  EXPECT_TRUE(re2::RE2::PartialMatch(answer + "b",
                                     *cfgtest::typed<checks::dns::DnsSpec>(m.spec).expect_regex));
}

TEST_F(Dns, RecordTypes) {
  for (const char* t : {"A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "SRV", "PTR", "CAA"}) {
    auto m = monitorYaml(kDns + "dns-record-type: " + t + "\n");
    ASSERT_TRUE(m.spec) << t;
    EXPECT_EQ(cfgtest::typed<checks::dns::DnsSpec>(m.spec).dns_record_type, t);
  }
  EXPECT_THAT(monitorYaml(kDns + "dns-record-type: AXFR\n").problems,
              ElementsAre("monitor 'web': dns-record-type: unknown record type 'AXFR'; one of A "
                          "AAAA CNAME MX NS TXT SOA SRV PTR CAA"));
  EXPECT_THAT(monitorYaml(kDns + "dns-record-type: CNAM\n").problems,
              ElementsAre(HasSubstr("(did you mean 'CNAME'?)")));
}

TEST_F(Dns, RequiredFields) {
  EXPECT_THAT(monitorYaml("type: dns\ninterval: 10s\n").problems,
              ElementsAre("monitor 'web': host: required field is missing",
                          "monitor 'web': dns-target: required field is missing"));
}

TEST_F(Dns, CountsAndTimes) {
  EXPECT_THAT(monitorYaml(kDns + "dns-expected-count: -1\n").problems,
              ElementsAre("monitor 'web': dns-expected-count: must be >= 0, got -1"));
  EXPECT_THAT(monitorYaml(kDns + "dns-max-time: 0s\n").problems,
              ElementsAre("monitor 'web': dns-max-time: must be greater than 0, got 0s"));
}

// --- exec ---

TEST_F(Exec, Defaults) {
  auto m = monitorYaml(kExec);
  ASSERT_TRUE(m.spec) << ::testing::PrintToString(m.problems);
  EXPECT_EQ(m.spec->typeName(), "exec");
  EXPECT_EQ(cfgtest::typed<checks::exec::ExecSpec>(m.spec).command,
            "/usr/lib/nagios/plugins/check_load");
  EXPECT_EQ(m.spec->timeout, 3s);
  EXPECT_EQ(cfgtest::typed<checks::exec::ExecSpec>(m.spec).return_code, 0);
  EXPECT_EQ(cfgtest::typed<checks::exec::ExecSpec>(m.spec).plugin, "");
  EXPECT_EQ(cfgtest::typed<checks::exec::ExecSpec>(m.spec).max_output, 64 * 1024);
  EXPECT_TRUE(cfgtest::typed<checks::exec::ExecSpec>(m.spec).args.empty());
  EXPECT_EQ(cfgtest::typed<checks::exec::ExecSpec>(m.spec).port, 0);  // no host or port needed
}

TEST_F(Exec, FieldsAreRead) {
  auto m = monitorYaml(kExec +
                       "args: [-w, \"5,4,3\", -c, \"10,8,6\"]\nreturn-code: 2\nplugin: nagios\n"
                       "max-output: 100\nexpect: OK\n");
  ASSERT_TRUE(m.spec) << ::testing::PrintToString(m.problems);
  EXPECT_THAT(cfgtest::typed<checks::exec::ExecSpec>(m.spec).args,
              ElementsAre("-w", "5,4,3", "-c", "10,8,6"));
  EXPECT_EQ(cfgtest::typed<checks::exec::ExecSpec>(m.spec).return_code, 2);
  EXPECT_EQ(cfgtest::typed<checks::exec::ExecSpec>(m.spec).plugin, "nagios");
  EXPECT_EQ(cfgtest::typed<checks::exec::ExecSpec>(m.spec).max_output, 100);
}

TEST_F(Exec, CommandRequiredAndNonEmpty) {
  EXPECT_THAT(monitorYaml("type: exec\ninterval: 10s\n").problems,
              ElementsAre("monitor 'web': command: required field is missing"));
  EXPECT_THAT(monitorYaml("type: exec\ninterval: 10s\ncommand: \"\"\n").problems,
              ElementsAre("monitor 'web': command: must not be empty"));
}

TEST_F(Exec, Rules) {
  EXPECT_THAT(monitorYaml(kExec + "plugin: nagois\n").problems,
              ElementsAre("monitor 'web': plugin: unknown plugin 'nagois' (did you mean "
                          "'nagios'?); write \"nagios\" or leave it out"));
  EXPECT_TRUE(monitorYaml(kExec + "plugin: \"\"\n").spec);
  EXPECT_THAT(monitorYaml(kExec + "return-code: 256\n").problems,
              ElementsAre("monitor 'web': return-code: must be between 0 and 255, got 256"));
  EXPECT_THAT(monitorYaml(kExec + "max-output: 0\n").problems,
              ElementsAre("monitor 'web': max-output: must be greater than 0, got 0"));
  EXPECT_THAT(monitorYaml(kExec + "args: \"-w 5\"\n").problems,
              ElementsAre("monitor 'web': args: expected a list of strings, got string \"-w 5\""));
}

TEST_F(Exec, HttpFieldsDoNotApply) {
  EXPECT_THAT(monitorYaml(kExec + "ssl: true\n").problems,
              ElementsAre("monitor 'web': field 'ssl' does not apply to type exec"));
}

}  // namespace
}  // namespace ninevolt::config
