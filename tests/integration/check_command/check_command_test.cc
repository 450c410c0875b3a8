// `9volt check` as a user runs it: the real binary, real checks, exit codes by worst result.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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

// Every type the build has runs here as it would on a member (nothing listens on port 1).
TEST(CheckCommand, RunsTheNewerTypes) {
  TempDir dir;
  dir.write("m.yaml", R"(
monitor:
  u:
    type: udp
    host: 127.0.0.1
    port: 1
    interval: 10s
  t:
    type: tls
    host: 127.0.0.1
    port: 1
    interval: 10s
  w:
    type: websocket
    host: 127.0.0.1
    port: 1
    interval: 10s
  g:
    type: grpc
    host: 127.0.0.1
    port: 1
    interval: 10s
  p:
    type: icmp
    host: 127.0.0.1
    count: 2
    packet-interval: 10ms
    interval: 10s
)");
  auto all = check(dir, {});
  EXPECT_EQ(all.code, 2) << all.output;
  EXPECT_THAT(all.output, HasSubstr("127.0.0.1:1 refused the datagram"));
  EXPECT_THAT(all.output, HasSubstr("cannot connect to 127.0.0.1:1: connection refused"));
  EXPECT_THAT(all.output, HasSubstr("grpc://127.0.0.1:1 is unavailable"));
  // icmp works where this user may ping, and says why not where it may not.
  EXPECT_THAT(all.output, ::testing::AnyOf(HasSubstr("2/2 replies from 127.0.0.1"),
                                           HasSubstr("cannot open an ICMP socket")));
}

TEST(CheckCommand, APushCheckSaysItNeedsTheCluster) {
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

}  // namespace
}  // namespace ninevolt
