// The icmp check against this machine's loopback (127.0.0.1, ::1) and inside network
// namespaces the tests create: with unprivileged ping sockets allowed, with only raw ones,
// with neither; with an nft rule that drops every echo request to one address, and one that
// drops every other. No packet leaves the machine. The packet code is tested alone.
#include "checks/icmp/icmp_check.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <nlohmann/json.hpp>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checks/icmp/icmp_packet.h"
#include "checks/icmp/icmp_type.h"
#include "checks/icmp/pinger.h"
#include "config/spec.h"
#include "integration/checks/check_harness.h"
#include "support/temp_dir.h"

namespace ninevolt::checks {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;
using SteadyClock = std::chrono::steady_clock;

config::MonitorSpec icmpSpec(const std::string& host,
                             const nlohmann::json& fields = nlohmann::json::object()) {
  return checks::testing::specOf({{"type", "icmp"}, {"host", host}, {"interval", "10s"}}, fields);
}

std::vector<std::string> problemsOf(const nlohmann::json& fields) {
  return checks::testing::problemsOf({{"type", "icmp"}, {"host", "127.0.0.1"}, {"interval", "10s"}},
                                     fields);
}

// One run on a fresh loop; also says which socket kind the loop's Pinger used.
struct Outcome {
  CheckResult result;
  std::string socket_kind;
};

Outcome runOnce(const config::MonitorSpec& spec) {
  asio::io_context io;
  auto factory = icmp::makeFactory(FactoryContext{});
  auto check = factory->create(spec, io);
  std::optional<CheckResult> result;
  int calls = 0;
  check->start([&](CheckResult r) {
    ++calls;
    result = std::move(r);
  });
  const auto until = SteadyClock::now() + seconds(20);
  while (!result && SteadyClock::now() < until) {
    io.restart();
    io.run_for(milliseconds(5));
  }
  io.restart();
  io.run_for(milliseconds(20));
  Outcome out{result.value_or(CheckResult::unknown("no result within 20s")), ""};
  if (calls > 1) {
    out.result = CheckResult::unknown("done called more than once");
  }
  const bool v6 = spec.options<icmp::IcmpSpec>().host.find(':') != std::string::npos;
  out.socket_kind = asio::use_service<icmp::Pinger>(io).socketKind(v6);
  return out;
}

nlohmann::json toJson(const Outcome& o) {
  nlohmann::json values = nlohmann::json::object();
  for (const auto& [k, v] : o.result.values) {
    values[k] = v;
  }
  return {{"status", static_cast<int>(o.result.status)},
          {"failure", static_cast<int>(o.result.failure)},
          {"message", o.result.message},
          {"values", values},
          {"socket", o.socket_kind}};
}

struct NetnsSetup {
  std::string ping_group_range;  // written in the namespace when not empty
  std::string nft_rules;         // `nft -f` input, when not empty
  bool drop_net_raw = false;     // give up CAP_NET_RAW before the run
};

// Runs `spec` once in a child process moved into a new network namespace with its loopback
// up and `setup` applied; the child's outcome comes back as JSON. nullopt with `why` set when
// this machine cannot make namespaces (not root): the caller skips.
std::optional<nlohmann::json> runInNetns(const config::MonitorSpec& spec, const NetnsSetup& setup,
                                         std::string& why) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) {
    why = "pipe failed";
    return std::nullopt;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(pipefd[0]);
    auto reply = [&](const nlohmann::json& j) {
      const std::string text = j.dump();
      (void)!::write(pipefd[1], text.data(), text.size());
      ::_exit(0);
    };
    if (::unshare(CLONE_NEWNET) != 0) {
      reply({{"skip", fmt::format("unshare(CLONE_NEWNET): {}", std::strerror(errno))}});
    }
    if (std::system("ip link set lo up") != 0) {
      reply({{"error", "ip link set lo up failed"}});
    }
    if (!setup.ping_group_range.empty()) {
      std::ofstream("/proc/sys/net/ipv4/ping_group_range") << setup.ping_group_range;
    }
    if (!setup.nft_rules.empty()) {
      ninevolt::testing::TempDir dir;
      const std::string file = dir.str() + "/rules.nft";
      std::ofstream(file) << setup.nft_rules;
      if (std::system(("nft -f " + file).c_str()) != 0) {
        reply({{"error", "nft -f failed: " + setup.nft_rules}});
      }
    }
    if (setup.drop_net_raw) {
      __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
      __user_cap_data_struct data[2] = {};
      ::syscall(SYS_capget, &header, data);
      data[0].effective &= ~(1U << CAP_NET_RAW);
      data[0].permitted &= ~(1U << CAP_NET_RAW);
      if (::syscall(SYS_capset, &header, data) != 0) {
        reply({{"error", "capset failed"}});
      }
    }
    reply(toJson(runOnce(spec)));
  }
  ::close(pipefd[1]);
  std::string text;
  char buf[4096];
  ssize_t n = 0;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) {
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    ADD_FAILURE() << "the namespace child said: " << text;
    return nlohmann::json::object();
  }
  if (j.contains("skip")) {
    why = j["skip"];
    return std::nullopt;
  }
  EXPECT_FALSE(j.contains("error")) << j.dump();
  return j;
}

#define RUN_IN_NETNS(var, spec, setup)                 \
  std::string why_##var;                               \
  auto var##_opt = runInNetns(spec, setup, why_##var); \
  if (!var##_opt) {                                    \
    GTEST_SKIP() << why_##var;                         \
  }                                                    \
  const nlohmann::json& var = *var##_opt

TEST(IcmpPacket, RequestsAndReplies) {
  const icmp::Token token{1, 2, 3, 4, 5, 6, 7, 8};
  auto request = icmp::echoRequest(false, 0x1234, 7, token);
  ASSERT_EQ(request.size(), 16u);
  EXPECT_EQ(request[0], 8);
  EXPECT_EQ(icmp::internetChecksum(request), 0);  // a valid checksum sums to zero
  auto v6 = icmp::echoRequest(true, 1, 2, token);
  EXPECT_EQ(v6[0], 128);

  // A reply is the request with type 0 (the checksum is not checked: the kernel did).
  auto reply = request;
  reply[0] = 0;
  auto parsed = icmp::parseEchoReply(false, false, reply, token);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->id, 0x1234);
  EXPECT_EQ(parsed->seq, 7);
  // Behind a 20-byte IPv4 header (raw sockets).
  std::vector<uint8_t> with_ip(20, 0);
  with_ip[0] = 0x45;
  with_ip.insert(with_ip.end(), reply.begin(), reply.end());
  EXPECT_TRUE(icmp::parseEchoReply(false, true, with_ip, token));
  // Not ours: a request, another token, truncated, a bad IP header.
  EXPECT_FALSE(icmp::parseEchoReply(false, false, request, token));
  EXPECT_FALSE(icmp::parseEchoReply(false, false, reply, icmp::Token{}));
  EXPECT_FALSE(icmp::parseEchoReply(false, false, std::span(reply).first(12), token));
  with_ip[0] = 0x4f;  // an IHL of 60 bytes, longer than the packet's header
  EXPECT_FALSE(icmp::parseEchoReply(false, true, std::span(with_ip).first(30), token));
  EXPECT_FALSE(icmp::parseEchoReply(false, true, {}, token));
}

TEST(IcmpCheck, LoopbackAnswers) {
  auto o = runOnce(icmpSpec("127.0.0.1", {{"count", 3}, {"packet-interval", "20ms"}}));
  if (o.result.status == Status::kUnknown) {
    GTEST_SKIP() << "no ICMP socket for this user here: " << o.result.message;
  }
  EXPECT_EQ(o.result.status, Status::kOk) << o.result.message;
  EXPECT_THAT(o.result.message, MatchesRegex("3/3 replies from 127\\.0\\.0\\.1, rtt min/avg/max "
                                             "[0-9.]+/[0-9.]+/[0-9.]+ ms"));
  EXPECT_EQ(o.result.values.at("loss_percent"), 0);
  EXPECT_GT(o.result.values.at("rtt_avg_ms"), 0);
  EXPECT_THAT(o.socket_kind, ::testing::AnyOf("raw", "datagram"));
}

TEST(IcmpCheck, Ipv6LoopbackAnswers) {
  boost::system::error_code ec;
  asio::io_context io;
  asio::ip::udp::socket probe(io);
  probe.open(asio::ip::udp::v6(), ec);
  if (!ec) {
    probe.bind({asio::ip::make_address("::1"), 0}, ec);
  }
  if (ec) {
    GTEST_SKIP() << "no IPv6 loopback here: " << ec.message();
  }
  auto o = runOnce(icmpSpec("::1", {{"count", 2}, {"packet-interval", "20ms"}}));
  if (o.result.status == Status::kUnknown) {
    GTEST_SKIP() << "no ICMPv6 socket for this user here: " << o.result.message;
  }
  EXPECT_EQ(o.result.status, Status::kOk) << o.result.message;
  EXPECT_THAT(o.result.message, StartsWith("2/2 replies from ::1"));
}

TEST(IcmpCheck, MaxRttIsJudgedOnTheAverage) {
  auto o = runOnce(
      icmpSpec("127.0.0.1", {{"count", 2}, {"packet-interval", "10ms"}, {"max-rtt", "1ns"}}));
  if (o.result.status == Status::kUnknown) {
    GTEST_SKIP() << o.result.message;
  }
  EXPECT_EQ(o.result.status, Status::kCritical);
  EXPECT_EQ(o.result.failure, Failure::kSlow);
  EXPECT_THAT(o.result.message, MatchesRegex("rtt avg [0-9.]+ ms > max-rtt 1ns: 2/2 replies .*"));
}

// In a namespace with only a loopback, a name lookup cannot leave the machine: it fails at
// once (or times out) and says which name.
TEST(IcmpCheck, AnUnresolvableNameIsAResolveFailure) {
  RUN_IN_NETNS(j, icmpSpec("no-such-host.invalid", {{"timeout", "2s"}}), NetnsSetup{});
  EXPECT_EQ(j["status"], static_cast<int>(Status::kCritical)) << j.dump();
  EXPECT_THAT(j["message"].get<std::string>(), HasSubstr("no-such-host.invalid"));
}

TEST(IcmpCheck, DatagramSocketsWhenPingGroupRangeAllowsThem) {
  RUN_IN_NETNS(j, icmpSpec("127.0.0.1", {{"count", 2}, {"packet-interval", "10ms"}}),
               (NetnsSetup{.ping_group_range = "0 2147483647"}));
  EXPECT_EQ(j["status"], static_cast<int>(Status::kOk)) << j.dump();
  EXPECT_EQ(j["socket"], "datagram");
}

TEST(IcmpCheck, RawSocketsWhenOnlyThoseAreAllowed) {
  RUN_IN_NETNS(j, icmpSpec("127.0.0.1", {{"count", 2}, {"packet-interval", "10ms"}}),
               (NetnsSetup{.ping_group_range = "1 0"}));
  EXPECT_EQ(j["status"], static_cast<int>(Status::kOk)) << j.dump();
  EXPECT_EQ(j["socket"], "raw");
}

TEST(IcmpCheck, NeitherSocketIsAClearUnknown) {
  RUN_IN_NETNS(j, icmpSpec("127.0.0.1"),
               (NetnsSetup{.ping_group_range = "1 0", .drop_net_raw = true}));
  EXPECT_EQ(j["status"], static_cast<int>(Status::kUnknown)) << j.dump();
  const std::string message = j["message"];
  EXPECT_THAT(message, StartsWith("cannot open an ICMP socket: unprivileged ping sockets are "
                                  "not allowed"));
  EXPECT_THAT(message, HasSubstr("net.ipv4.ping_group_range is \"1 0\""));
  EXPECT_THAT(message, HasSubstr("CAP_NET_RAW"));
}

// On the receiving side, as the target's own firewall would: the request leaves, no reply
// comes back.
const char* kDropRules = R"(table inet t {
  chain in {
    type filter hook input priority 0;
    ip daddr 127.0.0.3 icmp type echo-request drop
    ip daddr 127.0.0.4 icmp type echo-request numgen inc mod 2 == 0 drop
  }
}
)";

// On the sending side: the kernel refuses to send (EPERM), which is said as such.
const char* kBlockRules = R"(table inet t {
  chain out {
    type filter hook output priority 0;
    ip daddr 127.0.0.5 icmp type echo-request drop
  }
}
)";

TEST(IcmpCheck, ADroppedAddressLosesEverything) {
  RUN_IN_NETNS(
      j, icmpSpec("127.0.0.3", {{"count", 3}, {"packet-interval", "10ms"}, {"timeout", "500ms"}}),
      (NetnsSetup{.nft_rules = kDropRules}));
  EXPECT_EQ(j["status"], static_cast<int>(Status::kCritical)) << j.dump();
  EXPECT_EQ(j["failure"], static_cast<int>(Failure::kTimeout));
  EXPECT_EQ(j["message"], "no reply to 3 pings to 127.0.0.3 within 500ms");
  EXPECT_EQ(j["values"]["loss_percent"], 100);
}

TEST(IcmpCheck, ALocalFirewallThatBlocksSendingIsAConnectFailure) {
  RUN_IN_NETNS(j, icmpSpec("127.0.0.5", {{"count", 2}, {"packet-interval", "10ms"}}),
               (NetnsSetup{.nft_rules = kBlockRules}));
  EXPECT_EQ(j["status"], static_cast<int>(Status::kCritical)) << j.dump();
  EXPECT_EQ(j["failure"], static_cast<int>(Failure::kConnect));
  EXPECT_EQ(j["message"], "cannot send to 127.0.0.5: Operation not permitted (2 of 2 requests)");
}

TEST(IcmpCheck, EveryOtherRequestDroppedIsHalfLoss) {
  // Judged against max-loss: 50% is not over 50, but over 40.
  RUN_IN_NETNS(
      ok,
      icmpSpec("127.0.0.4",
               {{"count", 10}, {"packet-interval", "10ms"}, {"timeout", "1s"}, {"max-loss", 50}}),
      (NetnsSetup{.nft_rules = kDropRules}));
  EXPECT_EQ(ok["status"], static_cast<int>(Status::kOk)) << ok.dump();
  EXPECT_EQ(ok["values"]["loss_percent"], 50);
  EXPECT_THAT(ok["message"].get<std::string>(), StartsWith("5/10 replies from 127.0.0.4"));

  RUN_IN_NETNS(
      bad,
      icmpSpec("127.0.0.4",
               {{"count", 10}, {"packet-interval", "10ms"}, {"timeout", "1s"}, {"max-loss", 40}}),
      (NetnsSetup{.nft_rules = kDropRules}));
  EXPECT_EQ(bad["status"], static_cast<int>(Status::kCritical)) << bad.dump();
  EXPECT_EQ(bad["failure"], static_cast<int>(Failure::kTimeout));
  EXPECT_THAT(bad["message"].get<std::string>(),
              StartsWith("50% loss > max-loss 40%: 5/10 replies from 127.0.0.4"));
}

TEST(IcmpCheck, CancelNeverReports) {
  asio::io_context io;
  auto factory = icmp::makeFactory(FactoryContext{});
  bool called = false;
  {
    auto check =
        factory->create(icmpSpec("127.0.0.1", {{"count", 5}, {"packet-interval", "50ms"}}), io);
    check->start([&](CheckResult) { called = true; });
    io.run_for(milliseconds(20));
    check->cancel();
  }
  io.restart();
  io.run_for(milliseconds(300));
  EXPECT_FALSE(called);
}

TEST(IcmpConfig, Rules) {
  EXPECT_THAT(problemsOf({{"count", 0}}), ::testing::ElementsAre(HasSubstr("count")));
  EXPECT_THAT(problemsOf({{"max-loss", 101}}), ::testing::ElementsAre(HasSubstr("max-loss")));
  EXPECT_THAT(problemsOf({{"count", 20}, {"packet-interval", "1s"}, {"timeout", "5s"}}),
              ::testing::ElementsAre("monitor 't': packet-interval: 20 requests 1s apart take "
                                     "19s, not shorter than the timeout 5s; lower count or "
                                     "packet-interval, or raise timeout"));
  EXPECT_THAT(problemsOf({{"packet-interval", "1ms"}}),
              ::testing::ElementsAre("monitor 't': packet-interval: must be at least 10ms, got "
                                     "1ms"));
  EXPECT_THAT(problemsOf({{"port", 1}}),
              ::testing::ElementsAre("monitor 't': field 'port' does not apply to type icmp"));
  auto spec = icmpSpec("example.org");
  EXPECT_EQ(spec.type->target(spec), "example.org");
  EXPECT_EQ(config::effectiveMonitor(spec)["packet-interval"], "200ms");
}

}  // namespace
}  // namespace ninevolt::checks
