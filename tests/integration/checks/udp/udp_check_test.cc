// The udp check against the test's own UDP responders on 127.0.0.1 and ::1, a silent port
// and a closed one; and the udp type's config rules.
#include "checks/udp/udp_check.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "checks/udp/udp_type.h"
#include "config/spec.h"
#include "integration/checks/check_harness.h"

namespace ninevolt::checks {
namespace {

namespace asio = boost::asio;
using asio::ip::udp;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using SteadyClock = std::chrono::steady_clock;

std::optional<config::MonitorSpec> parse(nlohmann::json value, config::Problems& problems) {
  return config::parseMonitor("t", value, problems);
}

config::MonitorSpec udpSpec(const std::string& host, uint16_t port,
                            const nlohmann::json& fields = nlohmann::json::object()) {
  return testing::specOf({{"type", "udp"}, {"host", host}, {"port", port}, {"interval", "10s"}},
                         fields);
}

std::vector<std::string> problemsOf(const nlohmann::json& fields) {
  return testing::problemsOf(
      {{"type", "udp"}, {"host", "127.0.0.1"}, {"port", 7}, {"interval", "10s"}}, fields);
}

size_t openFds() {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                                           std::filesystem::directory_iterator()));
}

// A UDP server on the test's loop: records each datagram and answers with `reply(datagram)`,
// or stays silent when that returns nullopt.
class Responder {
 public:
  using ReplyFn = std::function<std::optional<std::string>(const std::string&)>;
  Responder(asio::io_context& io, const std::string& address, ReplyFn reply)
      : socket_(io, udp::endpoint(asio::ip::make_address(address), 0)), reply_(std::move(reply)) {
    receive();
  }
  uint16_t port() const { return socket_.local_endpoint().port(); }
  const std::vector<std::string>& received() const { return received_; }

 private:
  void receive() {
    socket_.async_receive_from(asio::buffer(buffer_), peer_,
                               [this](const boost::system::error_code& ec, size_t n) {
                                 if (ec) {
                                   return;
                                 }
                                 received_.emplace_back(buffer_.data(), n);
                                 if (auto answer = reply_(received_.back())) {
                                   reply_bytes_ = *answer;
                                   boost::system::error_code ignored;
                                   socket_.send_to(asio::buffer(reply_bytes_), peer_, 0, ignored);
                                 }
                                 receive();
                               });
  }

  udp::socket socket_;
  ReplyFn reply_;
  std::array<char, 65536> buffer_{};
  udp::endpoint peer_;
  std::string reply_bytes_;
  std::vector<std::string> received_;
};

class UdpCheckTest : public ::testing::Test {
 protected:
  bool runUntil(const std::function<bool()>& pred,
                std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
    return runner_.runUntil(pred, deadline);
  }
  CheckResult run(const config::MonitorSpec& spec) { return runner_.run(*factory_, spec); }

  checks::testing::CheckRunner runner_;
  asio::io_context& io_ = runner_.io();
  std::unique_ptr<CheckFactory> factory_ = checks::udp::makeFactory(FactoryContext{});
};

TEST_F(UdpCheckTest, AReplyIsOk) {
  Responder server(io_, "127.0.0.1", [](const std::string& in) {
    return in == "PING\n" ? std::optional<std::string>("PONG\n") : std::nullopt;
  });
  auto r = run(udpSpec("127.0.0.1", server.port(), {{"send", "PING\n"}, {"expect", "PONG"}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(r.message, fmt::format("5-byte reply from 127.0.0.1:{}", server.port()));
  EXPECT_EQ(r.values.at("bytes"), 5);
  EXPECT_THAT(server.received(), ElementsAre("PING\n"));
  ASSERT_FALSE(r.phases.empty());
  EXPECT_EQ(r.phases.back().first, "total");
}

TEST_F(UdpCheckTest, HexPayloadIsSentAsBytesAndABinaryReplyMatchesARegex) {
  Responder server(io_, "127.0.0.1",
                   [](const std::string&) { return std::string("\x00\x01version 7\xff", 12); });
  auto r = run(udpSpec("127.0.0.1", server.port(),
                       {{"send-hex", "de ad be ef 00"}, {"expect-regex", "version [0-9]+"}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_THAT(server.received(), ElementsAre(std::string("\xde\xad\xbe\xef\x00", 5)));
}

TEST_F(UdpCheckTest, AnyReplyIsOkWithoutExpectAndAnEmptyPayloadIsSent) {
  Responder server(io_, "127.0.0.1", [](const std::string&) { return std::string("x"); });
  auto r = run(udpSpec("127.0.0.1", server.port()));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_THAT(server.received(), ElementsAre(""));
}

TEST_F(UdpCheckTest, AWrongReplyIsCriticalAndQuoted) {
  Responder server(io_, "127.0.0.1", [](const std::string&) { return std::string("ERR\r\n"); });
  auto r = run(udpSpec("127.0.0.1", server.port(), {{"send", "PING"}, {"expect", "PONG"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.failure, Failure::kExpect);
  EXPECT_EQ(r.message, R"(expected "PONG" not found in the reply "ERR\r\n")");

  auto re = run(udpSpec("127.0.0.1", server.port(), {{"expect-regex", "^OK"}}));
  EXPECT_EQ(re.status, Status::kCritical);
  EXPECT_EQ(re.failure, Failure::kExpect);
  EXPECT_EQ(re.message, R"(the reply "ERR\r\n" does not match /^OK/)");
}

TEST_F(UdpCheckTest, OnlyReadSizeBytesAreMatched) {
  Responder server(io_, "127.0.0.1", [](const std::string&) { return std::string("abcdefgh"); });
  auto cut = run(udpSpec("127.0.0.1", server.port(), {{"read-size", 4}, {"expect", "efg"}}));
  EXPECT_EQ(cut.status, Status::kCritical);
  EXPECT_EQ(cut.message, R"(expected "efg" not found in the reply "abcd")");
  auto whole = run(udpSpec("127.0.0.1", server.port(), {{"read-size", 8}, {"expect", "efg"}}));
  EXPECT_EQ(whole.status, Status::kOk) << whole.message;
}

TEST_F(UdpCheckTest, ASilentPortTimesOut) {
  Responder silent(io_, "127.0.0.1", [](const std::string&) { return std::nullopt; });
  auto r = run(udpSpec("127.0.0.1", silent.port(), {{"send", "hello"}, {"timeout", "300ms"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.failure, Failure::kTimeout);
  EXPECT_EQ(r.message, fmt::format("no reply from 127.0.0.1:{} within 300ms (udp)", silent.port()));
  EXPECT_THAT(silent.received(), ElementsAre("hello"));
}

TEST_F(UdpCheckTest, AClosedPortIsRefused) {
  uint16_t port = 0;
  {
    udp::socket probe(io_, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }
  auto r = run(udpSpec("127.0.0.1", port, {{"timeout", "5s"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.failure, Failure::kConnect);
  EXPECT_EQ(r.message, fmt::format("127.0.0.1:{} refused the datagram (ICMP port unreachable: "
                                   "nothing listens there)",
                                   port));
}

TEST_F(UdpCheckTest, Ipv6AndAHostName) {
  boost::system::error_code ec;
  udp::socket v6probe(io_);
  v6probe.open(udp::v6(), ec);
  if (!ec) {
    v6probe.bind(udp::endpoint(asio::ip::make_address("::1"), 0), ec);
  }
  if (ec) {
    GTEST_SKIP() << "no IPv6 loopback here: " << ec.message();
  }
  v6probe.close();
  Responder server(io_, "::1", [](const std::string&) { return std::string("pong"); });
  auto r = run(udpSpec("::1", server.port(), {{"expect", "pong"}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(r.message, fmt::format("4-byte reply from [::1]:{}", server.port()));

  Responder v4(io_, "127.0.0.1", [](const std::string&) { return std::string("pong"); });
  auto named = run(udpSpec("localhost", v4.port(), {{"expect", "pong"}}));
  // localhost may resolve to ::1 first, where nothing listens on this port: either answer
  // is a real one, never a timeout or an internal error.
  EXPECT_TRUE(named.status == Status::kOk || named.failure == Failure::kConnect) << named.message;
}

TEST_F(UdpCheckTest, CancelReleasesTheSocketAndNeverReports) {
  Responder silent(io_, "127.0.0.1", [](const std::string&) { return std::nullopt; });
  const size_t before = openFds();
  bool called = false;
  {
    auto check = factory_->create(udpSpec("127.0.0.1", silent.port()), io_);
    check->start([&](CheckResult) { called = true; });
    runUntil([&] { return silent.received().size() == 1; });
    check->cancel();
  }
  io_.restart();
  io_.run_for(milliseconds(50));
  EXPECT_FALSE(called);
  EXPECT_EQ(openFds(), before);
}

TEST(UdpConfig, PayloadRules) {
  EXPECT_THAT(problemsOf({{"send", "a"}, {"send-hex", "61"}}),
              ElementsAre("monitor 't': send-hex: write the payload once: either send or "
                          "send-hex"));
  EXPECT_THAT(problemsOf({{"send-hex", "abc"}}),
              ElementsAre("monitor 't': send-hex: an odd number of hex digits"));
  EXPECT_THAT(problemsOf({{"send-hex", "zz"}}),
              ElementsAre("monitor 't': send-hex: 'z' at offset 0 is not a hex digit"));
  EXPECT_THAT(problemsOf({{"send-hex", "a b"}}),
              ElementsAre("monitor 't': send-hex: a byte is split by a space at offset 1"));
  EXPECT_THAT(problemsOf({{"expect-regex", "("}}),
              ElementsAre(HasSubstr("monitor 't': expect-regex: invalid regular expression")));
  EXPECT_THAT(problemsOf({{"read-size", 0}}), ElementsAre(HasSubstr("read-size")));
  EXPECT_THAT(problemsOf({{"url", "/"}}),
              ElementsAre("monitor 't': field 'url' does not apply to type udp"));
  config::Problems problems;
  auto missing = parse({{"type", "udp"}, {"host", "h"}, {"interval", "1s"}}, problems);
  EXPECT_FALSE(missing);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].toString(), "monitor 't': port: required field is missing");
}

TEST(UdpConfig, TargetAndEffective) {
  auto spec = udpSpec("::1", 53, {{"send-hex", "00ff"}});
  EXPECT_EQ(spec.type->target(spec), "udp://[::1]:53");
  EXPECT_EQ(spec.options<checks::udp::UdpSpec>().payload, std::string("\x00\xff", 2));
  auto effective = config::effectiveMonitor(spec);
  EXPECT_EQ(effective["type"], "udp");
  EXPECT_EQ(effective["read-size"], 4096);
  EXPECT_EQ(effective["timeout"], "3s");
}

}  // namespace
}  // namespace ninevolt::checks
