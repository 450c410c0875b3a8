// `9volt check` as a user runs it: the real binary, real checks, exit codes by worst result.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/check_types.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace ninevolt {
namespace {

using ninevolt::testing::Process;
using ninevolt::testing::TempDir;
using ::testing::HasSubstr;

constexpr const char* kMonitors = R"(
monitor:
  fine:
    type: exec
    command: /bin/true
    interval: 10s
  failing:
    type: exec
    command: /bin/sh
    args: ["-c", "echo broken; exit 4"]
    interval: 10s
  warn:
    type: exec
    command: /bin/sh
    args: ["-c", "echo 'disk 91%|used=91%;90;95'; exit 1"]
    plugin: nagios
    interval: 10s
  refused:
    type: tcp
    host: 127.0.0.1
    port: 1
    interval: 10s
  off:
    type: exec
    command: /bin/false
    interval: 10s
    disable: true
)";

struct Run {
  int code;
  std::string output;
};

Run check(const TempDir& dir, std::vector<std::string> args) {
  std::vector<std::string> argv{NINEVOLT_BINARY, "check", (dir.path() / "m.yaml").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  Process p(argv, {}, (dir.path() / "out.log").string());
  auto code = p.wait(std::chrono::seconds(30));
  EXPECT_TRUE(code.has_value());
  return {code.value_or(-1), p.output()};
}

TEST(CheckCommand, ExitCodeIsTheWorstResult) {
  NV_REQUIRE_CHECK_TYPES("exec", "tcp");  // kMonitors'
  TempDir dir;
  dir.write("m.yaml", kMonitors);
  EXPECT_EQ(check(dir, {"fine"}).code, 0);
  auto warn = check(dir, {"fine", "warn"});
  EXPECT_EQ(warn.code, 1);
  EXPECT_THAT(warn.output, HasSubstr("WARNING"));
  EXPECT_THAT(warn.output, HasSubstr("disk 91%"));
  auto all = check(dir, {});
  EXPECT_EQ(all.code, 2);
  EXPECT_THAT(all.output, HasSubstr("exit 4, want 0: broken"));
  EXPECT_THAT(all.output, HasSubstr("refused"));
  EXPECT_THAT(all.output, HasSubstr("off is disabled"));
  EXPECT_THAT(all.output, ::testing::Not(HasSubstr("CRITICAL off")));
}

TEST(CheckCommand, JsonOutput) {
  NV_REQUIRE_CHECK_TYPES("exec", "tcp");
  TempDir dir;
  dir.write("m.yaml", kMonitors);
  Process p({NINEVOLT_BINARY, "check", (dir.path() / "m.yaml").string(), "warn", "--json"}, {},
            (dir.path() / "json.out").string());
  ASSERT_EQ(p.wait(std::chrono::seconds(30)), 1);
  auto j = nlohmann::json::parse(p.output());
  ASSERT_EQ(j.size(), 1U);
  EXPECT_EQ(j[0]["name"], "warn");
  EXPECT_EQ(j[0]["status"], "warning");
  EXPECT_EQ(j[0]["values"]["used"], 91);
  EXPECT_GT(j[0]["duration_ms"].get<double>(), 0);
}

// Every type the build has runs here as it would on a member (nothing listens on port 1);
// a build without some of them (NINEVOLT_CHECK_TYPES) runs the others and then skips,
// naming them.
TEST(CheckCommand, RunsTheNewerTypes) {
  struct Newer {
    const char* type;
    const char* monitor;
    std::vector<::testing::Matcher<std::string>> output;
  };
  const std::vector<Newer> newer{
      {"udp", "  u:\n    type: udp\n    host: 127.0.0.1\n    port: 1\n    interval: 10s\n",
       {HasSubstr("127.0.0.1:1 refused the datagram")}},
      {"tls", "  t:\n    type: tls\n    host: 127.0.0.1\n    port: 1\n    interval: 10s\n",
       {HasSubstr("cannot connect to 127.0.0.1:1: connection refused")}},
      {"websocket",
       "  w:\n    type: websocket\n    host: 127.0.0.1\n    port: 1\n    interval: 10s\n",
       {HasSubstr("cannot connect to 127.0.0.1:1: connection refused")}},
      {"grpc", "  g:\n    type: grpc\n    host: 127.0.0.1\n    port: 1\n    interval: 10s\n",
       {HasSubstr("grpc://127.0.0.1:1 is unavailable")}},
      // icmp works where this user may ping, and says why not where it may not.
      {"icmp",
       "  p:\n    type: icmp\n    host: 127.0.0.1\n    count: 2\n    packet-interval: 10ms\n"
       "    interval: 10s\n",
       {::testing::AnyOf(HasSubstr("2/2 replies from 127.0.0.1"),
                         HasSubstr("cannot open an ICMP socket"))}},
  };
  std::string yaml = "monitor:\n";
  std::string left_out;
  bool can_fail = false;  // a type that fails here (all but icmp) is in the file
  std::vector<const Newer*> run;
  for (const auto& n : newer) {
    if (ninevolt::testing::checkTypeBuilt(n.type)) {
      yaml += n.monitor;
      run.push_back(&n);
      can_fail = can_fail || std::string_view(n.type) != "icmp";
    } else {
      left_out += (left_out.empty() ? "'" : ", '") + std::string(n.type) + "'";
    }
  }
  if (run.empty()) {
    GTEST_SKIP() << "needs one of the check types " << left_out
                 << ", which this build lacks (it has " NINEVOLT_BUILT_CHECK_TYPES ")";
  }
  TempDir dir;
  dir.write("m.yaml", yaml);
  auto all = check(dir, {});
  if (can_fail) {
    EXPECT_EQ(all.code, 2) << all.output;
  }
  for (const Newer* n : run) {
    for (const auto& m : n->output) {
      EXPECT_THAT(all.output, m) << n->type;
    }
  }
  if (!left_out.empty()) {
    GTEST_SKIP() << "ran the others; left out check type " << left_out
                 << ", which this build lacks (it has " NINEVOLT_BUILT_CHECK_TYPES ")";
  }
}

TEST(CheckCommand, APushCheckSaysItNeedsTheCluster) {
  NV_REQUIRE_CHECK_TYPES("push");
  TempDir dir;
  dir.write("m.yaml", R"(
monitor:
  nightly:
    type: push
    interval: 1h
    token: abcdefghijklmnop
)");
  auto r = check(dir, {});
  EXPECT_EQ(r.code, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr("UNKNOWN"));
  EXPECT_THAT(r.output, HasSubstr("`9volt check` runs no cluster"));
}

TEST(CheckCommand, UnknownNameAndInvalidFileAreExitThree) {
  NV_REQUIRE_CHECK_TYPES("exec", "tcp");
  TempDir dir;
  dir.write("m.yaml", kMonitors);
  auto unknown = check(dir, {"nope"});
  EXPECT_EQ(unknown.code, 3);
  EXPECT_THAT(unknown.output, HasSubstr("no monitor 'nope'"));
  dir.write("m.yaml", "monitor:\n  bad:\n    type: exec\n    interval: 10\n");
  auto invalid = check(dir, {});
  EXPECT_EQ(invalid.code, 3);
  EXPECT_THAT(invalid.output, HasSubstr("monitor 'bad': interval"));
}

// A type 9volt has but this build lacks (NINEVOLT_CHECK_TYPES) is an unknown type: the file
// is invalid, exit 3, and the problem names the type and this build's list (a build with
// every type tries a made-up one).
TEST(CheckCommand, ATypeTheBuildLacksIsUnknown) {
  auto missing = ninevolt::testing::checkTypesNotBuilt();
  if (missing.empty()) {
    missing.push_back("nosuchtype");
  }
  std::string listed;
  for (const auto& type : ninevolt::testing::builtCheckTypes()) {
    listed += (listed.empty() ? "" : ", ") + type;
  }
  for (const auto& type : missing) {
    SCOPED_TRACE(type);
    TempDir dir;
    dir.write("m.yaml", "monitor:\n  x:\n    type: " + type
                            + "\n    host: 127.0.0.1\n    interval: 10s\n");
    auto r = check(dir, {});
    EXPECT_EQ(r.code, 3) << r.output;
    EXPECT_THAT(r.output, HasSubstr("monitor 'x': type: unknown type '" + type + "'"));
    EXPECT_THAT(r.output, HasSubstr("one of " + listed));
  }
}

}  // namespace
}  // namespace ninevolt
