// YAML (9volt cfg) and JSON (API bodies, etcd values) must give identical specs and
// identical problems: YAML is converted to JSON first, so this guards that conversion
// against drifting from what a JSON author means.

#include <algorithm>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/spec.h"
#include "helpers.h"
#include "support/check_types.h"

namespace ninevolt::config {
namespace {

struct Case {
  const char* what;
  const char* yaml;
  const char* json;
  bool valid;
};

const std::vector<Case> kCases{
    {"http", "type: http\nhost: h\ninterval: 10s\nssl: true\nheaders: {A: b}\nurl: /x?y=1\n",
     R"({"type":"http","host":"h","interval":"10s","ssl":true,"headers":{"A":"b"},"url":"/x?y=1"})",
     true},
    {"tcp", "type: tcp\nhost: h\nport: 22\ninterval: 2s\nread-size: 10\nsend: \"hi\\n\"\n",
     R"({"type":"tcp","host":"h","port":22,"interval":"2s","read-size":10,"send":"hi\n"})", true},
    {"dns",
     "type: dns\nhost: 1.1.1.1\ndns-target: x.org\ninterval: 1m\ndns-expected-count: 2\n"
     "expect: 'IN\\s+A'\n",
     R"({"type":"dns","host":"1.1.1.1","dns-target":"x.org","interval":"1m",
         "dns-expected-count":2,"expect":"IN\\s+A"})",
     true},
    {"exec", "type: exec\ncommand: /bin/true\nargs: [a, \"1\"]\ninterval: 1s\nreturn-code: 1\n",
     R"({"type":"exec","command":"/bin/true","args":["a","1"],"interval":"1s","return-code":1})",
     true},
    {"quoted port is a string", "type: http\nhost: h\ninterval: 10s\nport: \"80\"\n",
     R"({"type":"http","host":"h","interval":"10s","port":"80"})", false},
    {"bare number duration", "type: http\nhost: h\ninterval: 10\n",
     R"({"type":"http","host":"h","interval":10})", false},
    {"float duration", "type: http\nhost: h\ninterval: 1.5\n",
     R"({"type":"http","host":"h","interval":1.5})", false},
    {"quoted bool", "type: http\nhost: h\ninterval: 10s\ndisable: \"true\"\n",
     R"({"type":"http","host":"h","interval":"10s","disable":"true"})", false},
    {"number in tags", "type: http\nhost: h\ninterval: 10s\ntags: [a, 2, true]\n",
     R"({"type":"http","host":"h","interval":"10s","tags":["a",2,true]})", false},
    {"float int", "type: tcp\nhost: h\ninterval: 10s\nport: 22.5\n",
     R"({"type":"tcp","host":"h","interval":"10s","port":22.5})", false},
    {"null is unset", "type: http\nhost: h\ninterval: 10s\nport: ~\ntimeout:\n",
     R"({"type":"http","host":"h","interval":"10s","port":null,"timeout":null})", true},
    {"several problems",
     "type: http\nhost: h\ninterval: 5s\ntimeout: 10s\nintervall: 1\nwarning-threshold: -1\n"
     "dns-target: x\n",
     R"({"type":"http","host":"h","interval":"5s","timeout":"10s","intervall":1,
         "warning-threshold":-1,"dns-target":"x"})",
     false},
    {"unknown type", "type: htp\n", R"({"type":"htp"})", false},
    {"not a map", "[1, 2]", "[1, 2]", false},
};

TEST(Parity, YamlAndJsonGiveTheSameMonitor) {
  // A build without one of the types (NINEVOLT_CHECK_TYPES) runs the other cases and then
  // skips, naming what it left out.
  std::string left_out;
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.what);
    const auto j = cfgtest::json(c.json);
    if (j.is_object() && j.contains("type") && j["type"].is_string()) {
      const auto type = j["type"].get<std::string>();
      const auto all = ninevolt::testing::splitCheckTypes(NINEVOLT_ALL_CHECK_TYPES);
      if (std::find(all.begin(), all.end(), type) != all.end()
          && !ninevolt::testing::checkTypeBuilt(type)) {
        left_out += std::string(left_out.empty() ? "" : ", ") + "'" + c.what + "'";
        continue;
      }
    }
    auto from_yaml = cfgtest::monitor(cfgtest::yaml(c.yaml));
    auto from_json = cfgtest::monitor(cfgtest::json(c.json));
    EXPECT_EQ(from_yaml.problems, from_json.problems);
    EXPECT_EQ(from_yaml.spec.has_value(), c.valid) << ::testing::PrintToString(from_yaml.problems);
    ASSERT_EQ(from_yaml.spec.has_value(), from_json.spec.has_value());
    if (from_yaml.spec) {
      EXPECT_EQ(cfgtest::effective(*from_yaml.spec), cfgtest::effective(*from_json.spec));
    }
  }
  if (!left_out.empty()) {
    GTEST_SKIP() << "ran the other cases; left out " << left_out
                 << ": their check type is not in this build (it has "
                 << NINEVOLT_BUILT_CHECK_TYPES << ")";
  }
}

TEST(Parity, WrongTypeMessagesAreIdentical) {
  auto y = cfgtest::monitor(cfgtest::yaml("type: http\nhost: h\ninterval: 10s\nport: \"80\"\n"));
  auto j =
      cfgtest::monitor(cfgtest::json(R"({"type":"http","host":"h","interval":"10s","port":"80"})"));
  EXPECT_THAT(y.problems, ::testing::ElementsAre(
                              "monitor 'web': port: expected an integer, got string \"80\""));
  EXPECT_EQ(y.problems, j.problems);
}

TEST(Parity, AlertersAndDocuments) {
  const char* y =
      "alerter:\n  s: {type: slack, options: {token: t, channel: c}}\n"
      "  bad: {type: email, options: {address: h, port: 25}}\n";
  const char* j =
      R"({"alerter":{"s":{"type":"slack","options":{"token":"t","channel":"c"}},
          "bad":{"type":"email","options":{"address":"h","port":25}}}})";
  Problems py;
  Problems pj;
  Document dy = splitDocument(cfgtest::yaml(y), py);
  Document dj = splitDocument(cfgtest::json(j), pj);
  EXPECT_EQ(dy.alerters, dj.alerters);
  for (const auto& [name, value] : dy.alerters.items()) {
    Problems a;
    Problems b;
    auto sa = parseAlerter(name, value, a);
    auto sb = parseAlerter(name, dj.alerters[name], b);
    EXPECT_EQ(cfgtest::strings(a), cfgtest::strings(b));
    ASSERT_EQ(sa.has_value(), sb.has_value());
    if (sa) {
      EXPECT_EQ(sa->options, sb->options);
      EXPECT_EQ(sa->raw, sb->raw);
    } else {
      EXPECT_GE(a.size(), 3u) << ::testing::PrintToString(cfgtest::strings(a));
    }
  }
}

}  // namespace
}  // namespace ninevolt::config
