// Rules every check type shares: names, type, interval/timeout, thresholds, field typing,
// unknown fields, and collecting every problem at once.

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "checks/http/http_type.h"
#include "config/spec.h"
#include "helpers.h"
#include "support/check_types.h"

namespace ninevolt::config {
namespace {

using namespace std::chrono_literals;
using cfgtest::monitorYaml;
using cfgtest::yaml;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

// A valid http monitor; tests append one bad line to it. A build without http
// (NINEVOLT_CHECK_TYPES) skips these tests, naming it.
const std::string kBase = "type: http\nhost: example.com\ninterval: 10s\n";
NV_CHECK_TYPE_SUITE(MonitorCommon, "http");

std::vector<std::string> problemsWith(const std::string& extra) {
  return monitorYaml(kBase + extra).problems;
}

TEST_F(MonitorCommon, MinimalHttpGetsDefaults) {
  auto m = monitorYaml(kBase);
  ASSERT_TRUE(m.spec) << ::testing::PrintToString(m.problems);
  const MonitorSpec& s = *m.spec;
  const auto& h = cfgtest::typed<checks::http::HttpSpec>(m.spec);
  EXPECT_EQ(s.name, "web");
  EXPECT_EQ(s.typeName(), "http");
  EXPECT_EQ(h.host, "example.com");
  EXPECT_EQ(h.port, 80);
  EXPECT_EQ(s.interval, 10s);
  EXPECT_EQ(s.timeout, 3s);
  EXPECT_EQ(h.url, "/");
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(h.status_code, 200);
  EXPECT_FALSE(h.ssl);
  EXPECT_TRUE(h.tls_verify);
  EXPECT_TRUE(h.follow_redirects);
  EXPECT_EQ(h.max_body, 1 << 20);
  EXPECT_FALSE(s.disable);
  EXPECT_EQ(s.warning_threshold, 0);
  EXPECT_EQ(s.critical_threshold, 0);
}

TEST_F(MonitorCommon, RawIsTheObjectAsWrittenWithoutDefaults) {
  auto value = yaml(kBase);
  auto m = cfgtest::monitor(value);
  ASSERT_TRUE(m.spec);
  EXPECT_EQ(m.spec->raw, value);
  EXPECT_FALSE(m.spec->raw.contains("port"));
  EXPECT_FALSE(m.spec->raw.contains("timeout"));
}

TEST_F(MonitorCommon, TimeoutDefaultIsCappedAtInterval) {
  auto m = monitorYaml("type: http\nhost: h\ninterval: 1s\n");
  ASSERT_TRUE(m.spec) << ::testing::PrintToString(m.problems);
  EXPECT_EQ(m.spec->timeout, 1s);
  auto m2 = monitorYaml("type: http\nhost: h\ninterval: 500ms\n");
  ASSERT_TRUE(m2.spec);
  EXPECT_EQ(m2.spec->timeout, 500ms);
}

TEST_F(MonitorCommon, WrittenTimeoutIsKept) {
  auto m = monitorYaml(kBase + "timeout: 1.5s\n");
  ASSERT_TRUE(m.spec);
  EXPECT_EQ(m.spec->timeout, 1500ms);
}

TEST_F(MonitorCommon, TimeoutMustBeShorterThanInterval) {
  EXPECT_THAT(monitorYaml("type: http\nhost: h\ninterval: 5s\ntimeout: 10s\n").problems,
              ElementsAre("monitor 'web': timeout: 10s must be shorter than interval 5s"));
  EXPECT_THAT(monitorYaml("type: http\nhost: h\ninterval: 5s\ntimeout: 5s\n").problems,
              ElementsAre("monitor 'web': timeout: 5s must be shorter than interval 5s"));
}

TEST_F(MonitorCommon, TimeoutMustBePositive) {
  EXPECT_THAT(problemsWith("timeout: 0s\n"),
              ElementsAre("monitor 'web': timeout: must be greater than 0, got 0s"));
}

TEST_F(MonitorCommon, IntervalIsRequired) {
  EXPECT_THAT(monitorYaml("type: http\nhost: h\n").problems,
              ElementsAre("monitor 'web': interval: required field is missing"));
}

TEST_F(MonitorCommon, IntervalMustBePositive) {
  EXPECT_THAT(monitorYaml("type: http\nhost: h\ninterval: 0s\n").problems,
              ElementsAre("monitor 'web': interval: must be greater than 0, got 0s"));
  EXPECT_THAT(monitorYaml("type: http\nhost: h\ninterval: -5s\n").problems,
              ElementsAre("monitor 'web': interval: must be greater than 0, got -5s"));
}

TEST_F(MonitorCommon, BareNumberDurationGetsAUnitHint) {
  EXPECT_THAT(monitorYaml("type: http\nhost: h\ninterval: 10\n").problems,
              ElementsAre("monitor 'web': interval: 10 has no unit; write it as \"10s\""));
  // The same number written as a string: common's parser gives the hint.
  auto quoted = monitorYaml("type: http\nhost: h\ninterval: \"10\"\n").problems;
  ASSERT_EQ(quoted.size(), 1u);
  EXPECT_THAT(quoted[0], HasSubstr("interval: \"10\" has no unit"));
}

TEST_F(MonitorCommon, GarbageDuration) {
  auto p = problemsWith("timeout: soon\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_THAT(p[0], HasSubstr("monitor 'web': timeout: invalid duration \"soon\""));
  EXPECT_THAT(problemsWith("timeout: [1s]\n"),
              ElementsAre("monitor 'web': timeout: expected a duration like \"10s\" or "
                          "\"1m30s\", got list"));
}

TEST_F(MonitorCommon, UnknownFieldWithDidYouMean) {
  EXPECT_THAT(problemsWith("intervall: 10s\n"),
              ElementsAre("monitor 'web': unknown field 'intervall' (did you mean 'interval'?)"));
  EXPECT_THAT(problemsWith("zzzzzz: 1\n"), ElementsAre("monitor 'web': unknown field 'zzzzzz'"));
}

TEST_F(MonitorCommon, DidYouMeanOnlySuggestsFieldsOfThisType) {
  // "dns-targt" is one edit from a dns field, but an http check cannot use it.
  EXPECT_THAT(problemsWith("dns-targt: x\n"),
              ElementsAre("monitor 'web': unknown field 'dns-targt'"));
}

TEST_F(MonitorCommon, FieldOfAnotherType) {
  NV_REQUIRE_CHECK_TYPES("dns", "exec");
  EXPECT_THAT(problemsWith("dns-target: example.com\n"),
              ElementsAre("monitor 'web': field 'dns-target' does not apply to type http"));
  EXPECT_THAT(problemsWith("command: /bin/true\n"),
              ElementsAre("monitor 'web': field 'command' does not apply to type http"));
}

TEST_F(MonitorCommon, WrongTypes) {
  EXPECT_THAT(problemsWith("port: \"80\"\n"),
              ElementsAre("monitor 'web': port: expected an integer, got string \"80\""));
  EXPECT_THAT(problemsWith("status-code: 200.5\n"),
              ElementsAre("monitor 'web': status-code: expected an integer, got number 200.5"));
  EXPECT_THAT(problemsWith("disable: \"true\"\n"),
              ElementsAre("monitor 'web': disable: expected a boolean (true or false), got "
                          "string \"true\""));
  EXPECT_THAT(problemsWith("description: 5\n"),
              ElementsAre("monitor 'web': description: expected a string, got integer 5"));
  EXPECT_THAT(problemsWith("tags: prod\n"),
              ElementsAre("monitor 'web': tags: expected a list of strings, got string \"prod\""));
  EXPECT_THAT(problemsWith("tags: [prod, 3]\n"),
              ElementsAre("monitor 'web': tags[1]: expected a string, got integer 3"));
  EXPECT_THAT(problemsWith("critical-alerter: {a: b}\n"),
              ElementsAre("monitor 'web': critical-alerter: expected a list of strings, got map"));
}

TEST_F(MonitorCommon, LongStringValuesAreShortenedInMessages) {
  auto p = problemsWith("port: \"" + std::string(500, 'x') + "\"\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_LT(p[0].size(), 150u);
  EXPECT_THAT(p[0], HasSubstr("...\""));
}

TEST_F(MonitorCommon, TypeIsRequired) {
  NV_REQUIRE_CHECK_TYPES("tcp", "dns", "exec");
  EXPECT_THAT(monitorYaml("host: h\ninterval: 10s\n").problems,
              ElementsAre("monitor 'web': type: required field is missing (one of "
                          + checkTypeList() + ")"));
  EXPECT_THAT(checkTypeList(), ::testing::StartsWith("http, tcp, dns, exec"));
}

TEST_F(MonitorCommon, UnknownTypeWithDidYouMean) {
  EXPECT_THAT(monitorYaml("type: htp\nhost: h\ninterval: 10s\n").problems,
              ElementsAre("monitor 'web': type: unknown type 'htp' (did you mean 'http'?); one "
                          "of "
                          + checkTypeList()));
  EXPECT_THAT(monitorYaml("type: 5\nhost: h\ninterval: 10s\n").problems,
              ElementsAre("monitor 'web': type: expected a string, got integer 5"));
}

TEST_F(MonitorCommon, UnknownTypeStillReportsTheOtherProblems) {
  auto p = monitorYaml("type: htp\nhost: h\ninterval: 10s\nport: \"80\"\nintervall: 1s\n").problems;
  EXPECT_EQ(p.size(), 3u) << ::testing::PrintToString(p);
  EXPECT_THAT(p, Contains("monitor 'web': port: expected an integer, got string \"80\""));
}

TEST_F(MonitorCommon, Thresholds) {
  EXPECT_THAT(problemsWith("warning-threshold: -1\ncritical-threshold: 3\n"),
              ElementsAre("monitor 'web': warning-threshold: must be >= 0, got -1"));
  EXPECT_THAT(problemsWith("critical-threshold: -2\n"),
              ElementsAre("monitor 'web': critical-threshold: must be >= 0, got -2"));
  EXPECT_THAT(problemsWith("warning-threshold: 3\ncritical-threshold: 2\n"),
              ElementsAre("monitor 'web': warning-threshold: 3 must not be greater than "
                          "critical-threshold 2"));
  EXPECT_THAT(problemsWith("warning-threshold: 3\n"),
              ElementsAre("monitor 'web': warning-threshold: 3 must not be greater than "
                          "critical-threshold 0 (the default; set it too)"));
  auto ok = monitorYaml(kBase + "warning-threshold: 2\ncritical-threshold: 5\n");
  ASSERT_TRUE(ok.spec);
  EXPECT_EQ(ok.spec->warning_threshold, 2);
  EXPECT_EQ(ok.spec->critical_threshold, 5);
}

TEST_F(MonitorCommon, PortRange) {
  EXPECT_THAT(problemsWith("port: 0\n"),
              ElementsAre("monitor 'web': port: must be between 1 and 65535, got 0"));
  EXPECT_THAT(problemsWith("port: 70000\n"),
              ElementsAre("monitor 'web': port: must be between 1 and 65535, got 70000"));
  EXPECT_THAT(problemsWith("port: 99999999999999999999\n"), ::testing::SizeIs(1));
}

TEST_F(MonitorCommon, HostRules) {
  EXPECT_THAT(monitorYaml("type: http\ninterval: 10s\n").problems,
              ElementsAre("monitor 'web': host: required field is missing"));
  EXPECT_THAT(monitorYaml("type: http\nhost: \"\"\ninterval: 10s\n").problems,
              ElementsAre("monitor 'web': host: must not be empty"));
  EXPECT_THAT(monitorYaml("type: http\nhost: http://example.com/x\ninterval: 10s\n").problems,
              ElementsAre("monitor 'web': host: must be a host name or address, got "
                          "\"http://example.com/x\""));
}

TEST_F(MonitorCommon, NullMeansNotWritten) {
  auto m = monitorYaml(kBase + "timeout:\nport:\ndescription:\n");
  ASSERT_TRUE(m.spec) << ::testing::PrintToString(m.problems);
  EXPECT_EQ(m.spec->timeout, 3s);
  EXPECT_EQ(cfgtest::typed<checks::http::HttpSpec>(m.spec).port, 80);
}

TEST_F(MonitorCommon, CommonFieldsAreRead) {
  auto m = monitorYaml(kBase +
                       "description: Main site\nexpect: Welcome\ndisable: true\n"
                       "tags: [prod, web]\nmember-tag: us-east-1\n"
                       "warning-alerter: [slack1]\ncritical-alerter: [slack1, pd]\n");
  ASSERT_TRUE(m.spec) << ::testing::PrintToString(m.problems);
  EXPECT_EQ(m.spec->description, "Main site");
  EXPECT_EQ(cfgtest::typed<checks::http::HttpSpec>(m.spec).expect, "Welcome");
  EXPECT_TRUE(m.spec->disable);
  EXPECT_THAT(m.spec->tags, ElementsAre("prod", "web"));
  EXPECT_EQ(m.spec->member_tag, "us-east-1");
  EXPECT_THAT(m.spec->warning_alerter, ElementsAre("slack1"));
  EXPECT_THAT(m.spec->critical_alerter, ElementsAre("slack1", "pd"));
}

TEST_F(MonitorCommon, EveryProblemIsReportedAtOnce) {
  NV_REQUIRE_CHECK_TYPES("dns");
  auto p = monitorYaml(
               "type: http\n"
               "host: h\n"
               "interval: 5s\n"
               "timeout: 10s\n"
               "port: \"80\"\n"
               "intervall: 1s\n"
               "disable: yes\n"
               "warning-threshold: -1\n"
               "status-code: 700\n"
               "dns-target: x\n"
               "url: index.html\n")
               .problems;
  EXPECT_THAT(p, UnorderedElementsAre(
                     "monitor 'web': timeout: 10s must be shorter than interval 5s",
                     "monitor 'web': port: expected an integer, got string \"80\"",
                     "monitor 'web': unknown field 'intervall' (did you mean 'interval'?)",
                     "monitor 'web': disable: expected a boolean (true or false), got string "
                     "\"yes\"",
                     "monitor 'web': warning-threshold: must be >= 0, got -1",
                     "monitor 'web': status-code: must be between 100 and 599, got 700",
                     "monitor 'web': field 'dns-target' does not apply to type http",
                     "monitor 'web': url: must start with '/', got \"index.html\""));
}

TEST_F(MonitorCommon, ProblemsCarryObjectAndField) {
  Problems problems;
  EXPECT_FALSE(
      parseMonitor("web", yaml("type: http\nhost: h\ninterval: 5s\ntimeout: 10s\n"), problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].object, "monitor 'web'");
  EXPECT_EQ(problems[0].field, "timeout");
  EXPECT_EQ(problems[0].message, "10s must be shorter than interval 5s");
  EXPECT_EQ(problems[0].source, "");
}

TEST_F(MonitorCommon, ProblemsAreAppended) {
  Problems problems{Problem{"f", "o", "x", "earlier"}};
  EXPECT_TRUE(parseMonitor("web", yaml(kBase), problems));
  EXPECT_EQ(problems.size(), 1u);
  EXPECT_FALSE(parseMonitor("web", yaml("type: http\n"), problems));
  EXPECT_EQ(problems.size(), 3u);  // host and interval missing
}

TEST_F(MonitorCommon, ValueMustBeAMap) {
  EXPECT_THAT(cfgtest::monitor(yaml("[1, 2]")).problems,
              ElementsAre("monitor 'web': expected a map of monitor fields, got list"));
  EXPECT_THAT(cfgtest::monitor(nlohmann::json("http")).problems,
              ElementsAre("monitor 'web': expected a map of monitor fields, got string \"http\""));
  EXPECT_THAT(cfgtest::monitor(nlohmann::json()).problems,
              ElementsAre("monitor 'web': expected a map of monitor fields, got null"));
}

TEST_F(MonitorCommon, Names) {
  EXPECT_TRUE(validName("web"));
  EXPECT_TRUE(validName("Web-1.prod_eu"));
  EXPECT_TRUE(validName(std::string(128, 'a')));
  EXPECT_FALSE(validName(std::string(129, 'a')));
  EXPECT_FALSE(validName(""));
  EXPECT_FALSE(validName("bad name"));
  EXPECT_FALSE(validName("a/b"));
  EXPECT_FALSE(validName("caf\xC3\xA9"));
  EXPECT_FALSE(validName(".."));
  EXPECT_THAT(monitorYaml(kBase, "bad name").problems,
              ElementsAre("monitor 'bad name': invalid name: ' ' at byte 4 is not allowed; use 1 "
                          "to 128 characters from A-Z a-z 0-9 . _ -"));
}

TEST_F(MonitorCommon, FieldListsPerType) {
  NV_REQUIRE_CHECK_TYPES("tcp", "dns", "exec");
  ASSERT_NE(findCheckType("http"), nullptr);
  ASSERT_NE(findCheckType("dns"), nullptr);
  auto http = monitorFields(*findCheckType("http"));
  EXPECT_THAT(http, Contains("url"));
  EXPECT_THAT(http, Contains("interval"));
  EXPECT_THAT(http, Not(Contains("dns-target")));
  auto dns = monitorFields(*findCheckType("dns"));
  EXPECT_THAT(dns, Contains("dns-target"));
  EXPECT_THAT(dns, Not(Contains("url")));
  // The original 9volt's common fields stay accepted by its four types.
  for (const char* name : {"http", "tcp", "dns", "exec"}) {
    auto fields = monitorFields(*findCheckType(name));
    for (const char* common : {"type", "description", "host", "port", "interval", "timeout",
                               "expect", "disable", "tags", "member-tag", "warning-threshold",
                               "critical-threshold", "warning-alerter", "critical-alerter"}) {
      EXPECT_THAT(fields, Contains(common)) << name;
    }
  }
}

TEST_F(MonitorCommon, TypeNames) {
  NV_REQUIRE_CHECK_TYPES("tcp", "dns", "exec");
  std::vector<std::string_view> names;
  for (const CheckTypeDef* t : checkTypes()) {
    names.push_back(t->name());
    EXPECT_EQ(findCheckType(t->name()), t);
    EXPECT_FALSE(t->summary().empty()) << t->name();
  }
  EXPECT_THAT(names, ::testing::IsSupersetOf({"http", "tcp", "dns", "exec"}));
  EXPECT_EQ(findCheckType("HTTP"), nullptr);  // case-sensitive, as configs are
  EXPECT_EQ(findCheckType(""), nullptr);
}

// The types are this build's (NINEVOLT_CHECK_TYPES): one that 9volt has but this build lacks
// is an unknown type, as a misspelt one is, and the list offered is this build's.
TEST_F(MonitorCommon, TypesAreThoseOfTheBuild) {
  EXPECT_EQ(checkTypes().size(), ninevolt::testing::builtCheckTypes().size());
  for (const auto& type : ninevolt::testing::builtCheckTypes()) {
    EXPECT_NE(findCheckType(type), nullptr) << type;
  }
  for (const auto& type : ninevolt::testing::checkTypesNotBuilt()) {
    SCOPED_TRACE(type);
    EXPECT_EQ(findCheckType(type), nullptr);
    auto m = monitorYaml("type: " + type + "\nhost: h\ninterval: 10s\n");
    EXPECT_FALSE(m.spec);
    ASSERT_EQ(m.problems.size(), 1u) << ::testing::PrintToString(m.problems);
    EXPECT_THAT(m.problems[0],
                ::testing::StartsWith("monitor 'web': type: unknown type '" + type + "'"));
    EXPECT_THAT(m.problems[0], ::testing::EndsWith("one of " + checkTypeList()));
  }
}

// Each type's fields are distinct from the common ones and from each other, and every field
// says what it is for (the API and the UI show it).
TEST_F(MonitorCommon, TypeFieldTablesAreWellFormed) {
  for (const CheckTypeDef* t : checkTypes()) {
    std::set<std::string_view> seen;
    for (const auto& f : commonMonitorFields()) {
      seen.insert(f.name);
    }
    for (const auto& f : t->fields()) {
      EXPECT_TRUE(seen.insert(f.name).second) << t->name() << ": field " << f.name << " twice";
      EXPECT_FALSE(f.help.empty()) << t->name() << ": field " << f.name << " has no help";
    }
  }
}

}  // namespace
}  // namespace ninevolt::config
