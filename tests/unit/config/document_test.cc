#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/spec.h"
#include "helpers.h"
#include "support/check_types.h"

namespace ninevolt::config {
namespace {

using cfgtest::strings;
using cfgtest::yaml;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// The kind of file users keep in git for `9volt cfg` (REFERENCE-9volt.md's fields).
const char* kExample = R"(
alerter:
  primary-slack:
    type: slack
    description: "Ops channel"
    options:
      token: xoxb-123
      channel: "#ops"
      icon-url: "https://example.com/9volt.png"
  primary-pagerduty:
    type: pagerduty
    description: On-call
    options:
      token: 0123456789abcdef
  mail:
    type: email
    options:
      address: "smtp.example.com:587"
      to: oncall@example.com
      username: 9volt
      password: secret
      auth: plain
  hook:
    type: webhook
    options:
      url: "https://hooks.example.com/9volt"
      secret: s3cr3t

monitor:
  example-http:
    type: http
    description: "Main site"
    host: www.example.com
    ssl: true
    url: "/health?full=1"
    interval: 10s
    timeout: 5s
    expect: "ok"
    status-code: 200
    warning-threshold: 1
    critical-threshold: 3
    warning-alerter: [primary-slack]
    critical-alerter: [primary-slack, primary-pagerduty]
    tags: [web, prod]
  example-tcp:
    type: tcp
    host: db.example.com
    port: 5432
    interval: 30s
    send: "\r\n"
    member-tag: us-east-1
    critical-alerter: [mail]
  example-dns:
    type: dns
    host: 8.8.8.8
    dns-target: example.com
    dns-record-type: A
    dns-expected-count: 1
    dns-max-time: 100ms
    expect: 'IN\s+A\s+'
    interval: 1m
    critical-alerter: [hook]
  example-exec:
    type: exec
    command: /usr/lib/nagios/plugins/check_disk
    args: ["-w", "20%", "-c", "10%"]
    plugin: nagios
    interval: 5m
    timeout: 30s
    disable: false
)";

TEST(Document, ExampleParsesCleanly) {
  NV_REQUIRE_CHECK_TYPES("http", "tcp", "dns", "exec");
  Problems problems;
  Document doc = splitDocument(yaml(kExample), problems);
  ASSERT_THAT(strings(problems), IsEmpty());
  EXPECT_TRUE(doc.has_monitor);
  EXPECT_TRUE(doc.has_alerter);
  std::set<std::string> alerter_names;
  for (const auto& [name, value] : doc.alerters.items()) {
    auto a = parseAlerter(name, value, problems);
    ASSERT_TRUE(a) << name;
    alerter_names.insert(a->name);
  }
  EXPECT_EQ(alerter_names.size(), 4u);
  int monitors = 0;
  for (const auto& [name, value] : doc.monitors.items()) {
    auto m = parseMonitor(name, value, problems);
    ASSERT_TRUE(m) << name;
    EXPECT_THAT(strings(checkAlerterReferences(*m, alerter_names)), IsEmpty());
    ++monitors;
  }
  EXPECT_EQ(monitors, 4);
  EXPECT_THAT(strings(problems), IsEmpty());
}

TEST(Document, EmptyDocument) {
  Problems problems;
  Document doc = splitDocument(yaml(""), problems);
  EXPECT_FALSE(doc.has_monitor);
  EXPECT_FALSE(doc.has_alerter);
  EXPECT_TRUE(problems.empty());
  doc = splitDocument(nlohmann::json(), problems);
  EXPECT_FALSE(doc.has_monitor);
  EXPECT_TRUE(problems.empty());
}

TEST(Document, OnlyOneSection) {
  Problems problems;
  Document doc = splitDocument(yaml("monitor:\n  a: {type: http}\n"), problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_TRUE(doc.has_monitor);
  EXPECT_FALSE(doc.has_alerter);
  EXPECT_EQ(doc.monitors.size(), 1u);
  EXPECT_TRUE(doc.alerters.empty());
}

TEST(Document, EmptySectionIsPresentAndEmpty) {
  Problems problems;
  Document doc = splitDocument(yaml("monitor:\nalerter: {}\n"), problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_TRUE(doc.has_monitor);
  EXPECT_TRUE(doc.has_alerter);
  EXPECT_TRUE(doc.monitors.empty());
}

TEST(Document, UnknownTopLevelKey) {
  Problems problems;
  Document doc = splitDocument(yaml("monitors:\n  a: {}\nalerter: {}\n"), problems);
  EXPECT_THAT(strings(problems),
              ElementsAre("unknown top-level key 'monitors' (did you mean 'monitor'?); expected "
                          "'monitor', 'alerter' or 'maintenance'"));
  EXPECT_FALSE(doc.has_monitor);
  EXPECT_TRUE(doc.has_alerter);
}

TEST(Document, NonMapSection) {
  Problems problems;
  splitDocument(yaml("monitor: [a, b]\nalerter: x\n"), problems);
  EXPECT_THAT(strings(problems),
              ElementsAre("alerter: expected a map of name -> alerter, got string \"x\"",
                          "monitor: expected a map of name -> monitor, got list"));
}

TEST(Document, NonMapRoot) {
  Problems problems;
  splitDocument(yaml("- a\n- b\n"), problems);
  EXPECT_THAT(strings(problems),
              ElementsAre("expected a map with 'monitor', 'alerter' and/or 'maintenance' at the top, got list"));
}

TEST(Document, SourceIsAddedByTheCaller) {
  Problems problems;
  splitDocument(yaml("monitr: {}\n"), problems);
  ASSERT_EQ(problems.size(), 1u);
  problems[0].source = "checks/web.yaml";
  EXPECT_EQ(problems[0].toString(),
            "checks/web.yaml: unknown top-level key 'monitr' (did you mean 'monitor'?); "
            "expected 'monitor', 'alerter' or 'maintenance'");
}

TEST(AlerterReferences, OneProblemPerMissingName) {
  auto m = cfgtest::monitorYaml(
      "type: http\nhost: h\ninterval: 10s\nwarning-alerter: [slack1, nope]\n"
      "critical-alerter: [pd, slack1]\n");
  ASSERT_TRUE(m.spec);
  std::set<std::string> names{"slack1", "pd1"};
  EXPECT_THAT(strings(checkAlerterReferences(*m.spec, names)),
              ElementsAre("monitor 'web': warning-alerter: unknown alerter 'nope'",
                          "monitor 'web': critical-alerter: unknown alerter 'pd' (did you mean "
                          "'pd1'?)"));
  names.insert("nope");
  names.insert("pd");
  EXPECT_THAT(checkAlerterReferences(*m.spec, names), IsEmpty());
  EXPECT_THAT(strings(checkAlerterReferences(*m.spec, {})), ::testing::SizeIs(4));
}

}  // namespace
}  // namespace ninevolt::config
