// The plain client (plain_client.h) against a server that answers with scripted raw bytes:
// framings, broken answers and redirects the well-behaved TestServer never sends. Where
// curl and the plain client must agree, the test runs both and compares.
#include "checks/http/plain_client.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "checks/http/http_check.h"
#include "config/spec.h"
#include "support/etcd_fixture.h"
#include "test_spec.h"

namespace ninevolt::checks::http {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

// Accepts on 127.0.0.1:0; for each connection reads one request (headers and a
// Content-Length body), records its raw bytes and answers with what `respond` returns for
// it, then closes (or, for std::nullopt, closes without a word).
class RawServer {
 public:
  using Respond = std::function<std::optional<std::string>(const std::string& request)>;

  // On 127.0.0.1, or on ::1 with v6 (ok() is false when the host has no IPv6 loopback).
  explicit RawServer(Respond respond, bool v6 = false) : respond_(std::move(respond)) {
    fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_storage storage{};
    socklen_t len = 0;
    if (v6) {
      auto* addr = reinterpret_cast<sockaddr_in6*>(&storage);
      addr->sin6_family = AF_INET6;
      addr->sin6_addr = in6addr_loopback;
      len = sizeof(*addr);
    } else {
      auto* addr = reinterpret_cast<sockaddr_in*>(&storage);
      addr->sin_family = AF_INET;
      addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      len = sizeof(*addr);
    }
    auto* any = reinterpret_cast<sockaddr*>(&storage);
    if (fd_ < 0 || ::bind(fd_, any, len) != 0 || ::listen(fd_, 64) != 0
        || ::getsockname(fd_, any, &len) != 0) {
      return;
    }
    port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port
                     : reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  bool ok() const { return port_ != 0; }
  ~RawServer() {
    stop_ = true;
    if (thread_.joinable()) {
      thread_.join();
    }
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;

  uint16_t port() const { return port_; }
  std::vector<std::string> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) {
        continue;
      }
      const int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) {
        continue;
      }
      std::string request = readRequest(conn);
      {
        std::lock_guard lock(mu_);
        requests_.push_back(request);
      }
      if (auto answer = respond_(request)) {
        size_t sent = 0;
        while (sent < answer->size()) {
          const ssize_t n =
              ::send(conn, answer->data() + sent, answer->size() - sent, MSG_NOSIGNAL);
          if (n <= 0) {
            break;
          }
          sent += static_cast<size_t>(n);
        }
      }
      ::shutdown(conn, SHUT_WR);
      drain(conn);  // until the client closes, so the answer is never cut by a reset
      ::close(conn);
    }
  }

  // Reads the head and a Content-Length body; gives up after 5 s of silence.
  static std::string readRequest(int conn) {
    std::string data;
    char buf[4096];
    size_t want = std::string::npos;
    while (data.size() < want) {
      pollfd p{conn, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) {
        break;
      }
      const ssize_t n = ::recv(conn, buf, sizeof(buf), 0);
      if (n <= 0) {
        break;
      }
      data.append(buf, static_cast<size_t>(n));
      const auto end = data.find("\r\n\r\n");
      if (end != std::string::npos && want == std::string::npos) {
        size_t length = 0;
        const auto cl = data.find("Content-Length: ");
        if (cl != std::string::npos && cl < end) {
          length = std::stoul(data.substr(cl + 16));
        }
        want = end + 4 + length;
      }
    }
    return data;
  }

  void drain(int conn) {
    char buf[4096];
    for (int i = 0; i < 100 && !stop_; ++i) {
      pollfd p{conn, POLLIN, 0};
      if (::poll(&p, 1, 50) > 0 && ::recv(conn, buf, sizeof(buf), 0) <= 0) {
        return;
      }
    }
  }

  Respond respond_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

std::string requestLine(const std::string& request) {
  return request.substr(0, request.find("\r\n"));
}

class PlainClientTest : public ::testing::Test {
 protected:
  static config::MonitorSpec spec(uint16_t port, const nlohmann::json& fields) {
    return testing::httpSpec(port, fields);
  }

  // Runs one check to completion; plain = through the plain client, else curl.
  CheckResult run(std::unique_ptr<Check>& check) {
    std::optional<CheckResult> result;
    check->start([&](CheckResult r) { result = std::move(r); });
    EXPECT_TRUE(ninevolt::testing::eventually(
        [&] {
          io_.restart();
          io_.run_for(5ms);
          return result.has_value();
        },
        10s));
    return result.value_or(CheckResult::unknown("no result"));
  }
  std::unique_ptr<Check> make(const config::MonitorSpec& s, bool plain) {
    return makeHttpCheckFactory(HttpOptions{.plain_client = plain})->create(s, io_);
  }
  CheckResult run(const config::MonitorSpec& s, bool plain) {
    auto check = make(s, plain);
    return run(check);
  }

  boost::asio::io_context io_;
};

std::string answer(std::string_view head_and_body) {
  return std::string(head_and_body);
}

TEST_F(PlainClientTest, SendsTheBytesCurlSends) {
  RawServer server(
      [](const std::string&) { return answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); });
  const std::vector<nlohmann::json> monitors = {
      {{"url", "/a/../b?q=1"}},
      {{"method", "HEAD"}},
      {{"method", "POST"}, {"follow-redirects", false}},
      {{"method", "PUT"},
       {"follow-redirects", false},
       {"request-body", "x=1"},
       {"headers", {{"X-Empty", ""}, {"Accept", "text/plain"}, {"Content-Type", "a/b"}}}},
      {{"headers", {{"X-First", "1"}, {"Host", "example.test"}, {"User-Agent", "me"}}}},
  };
  for (const auto& fields : monitors) {
    for (bool plain : {false, true}) {
      auto r = run(spec(server.port(), fields), plain);
      EXPECT_EQ(r.status, Status::kOk) << fields << " plain=" << plain << ": " << r.message;
    }
  }
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2 * monitors.size());
  for (size_t i = 0; i < monitors.size(); ++i) {
    EXPECT_EQ(requests[2 * i + 1], requests[2 * i]) << monitors[i];
  }
}

TEST_F(PlainClientTest, FramingsCurlReadsAreReadTheSame) {
  const std::vector<std::pair<std::string, std::string>> answers = {
      {"chunked",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
       "4\r\nall \r\n2\r\nok\r\n0\r\n\r\n"},
      {"until close", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall ok, until the end"},
      {"HTTP/1.0", "HTTP/1.0 200 OK\r\n\r\nall ok"},
      {"100 first",
       "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n"
       "all ok"},
      {"no reason", "HTTP/1.1 200 \r\nContent-Length: 6\r\n\r\nall ok"},
      // What Beast refuses and curl reads: the plain client hands these to curl.
      {"no space after the code", "HTTP/1.1 200\r\nContent-Length: 6\r\n\r\nall ok"},
      {"bare LF", "HTTP/1.1 200 OK\nContent-Length: 6\n\nall ok"},
  };
  for (const auto& [name, bytes] : answers) {
    RawServer server([&bytes](const std::string&) { return bytes; });
    auto curl = run(spec(server.port(), {{"expect", "all ok"}}), false);
    auto plain = run(spec(server.port(), {{"expect", "all ok"}}), true);
    EXPECT_EQ(plain.status, Status::kOk) << name << ": " << plain.message;
    EXPECT_EQ(plain.message, curl.message) << name;
    EXPECT_EQ(plain.values, curl.values) << name;
  }
}

TEST_F(PlainClientTest, HeadReadsNoBodyAndDoesNotWaitForOne) {
  RawServer server(
      [](const std::string&) { return answer("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n"); });
  auto r = run(spec(server.port(), {{"method", "HEAD"}, {"timeout", "5s"}}), true);
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(r.message,
            "HEAD http://127.0.0.1:" + std::to_string(server.port()) + "/: status 200, 0 bytes");
}

TEST_F(PlainClientTest, BrokenAnswersAreCriticalWithTheSameWordsAsCurl) {
  struct Case {
    std::string name;
    std::optional<std::string> bytes;
    std::string words;
  };
  const std::vector<Case> cases = {
      {"nothing", std::nullopt, "the server closed the connection without sending a response"},
      {"not http", std::string("hello there\r\n\r\n"), "invalid HTTP response"},
      {"short body", std::string("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"),
       "the response ended early"},
      {"only a 100 Continue", std::string("HTTP/1.1 100 Continue\r\n\r\n"),
       "the server closed the connection without sending a response"},
  };
  for (const auto& c : cases) {
    RawServer server([&c](const std::string&) { return c.bytes; });
    for (bool plain : {false, true}) {
      auto r = run(spec(server.port(), nlohmann::json::object()), plain);
      EXPECT_EQ(r.status, Status::kCritical) << c.name << " plain=" << plain;
      EXPECT_THAT(r.message, HasSubstr(": " + c.words)) << c.name << " plain=" << plain;
      EXPECT_EQ(r.failure, Failure::kProtocol) << c.name << " plain=" << plain;
    }
  }
}

TEST_F(PlainClientTest, HugeHeadersAndHugeBodiesEndTheRun) {
  RawServer headers([](const std::string&) {
    return "HTTP/1.1 200 OK\r\nX-Big: " + std::string(200 * 1024, 'h') + "\r\n\r\n";
  });
  auto r = run(spec(headers.port(), nlohmann::json::object()), true);
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_THAT(r.message, HasSubstr("response headers larger than 100 KiB"));

  // 8 MiB of chunks: read up to max-body, then the connection is dropped.
  std::string chunks = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 8 * 16; ++i) {
    chunks += "10000\r\n" + std::string(0x10000, 'x') + "\r\n";
  }
  chunks += "0\r\n\r\n";
  RawServer body([&chunks](const std::string&) { return chunks; });
  auto capped = run(spec(body.port(), {{"max-body", 100000}, {"expect", "needle"}}), true);
  EXPECT_EQ(capped.status, Status::kCritical);
  EXPECT_THAT(capped.message, HasSubstr("not found in the first 100000 bytes"));
  EXPECT_EQ(capped.values["body_bytes"], 100000);
}

TEST_F(PlainClientTest, RedirectsToAnIpAddressAreFollowedOnce) {
  RawServer target([](const std::string&) {
    return answer("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nall ok");
  });
  const std::string to = "http://127.0.0.1:" + std::to_string(target.port()) + "/there?x=1#frag";
  RawServer server([&to](const std::string& request) -> std::optional<std::string> {
    if (requestLine(request) == "GET /start HTTP/1.1") {
      return "HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n";
    }
    return "HTTP/1.1 301 Moved\r\nLocation: " + to + "\r\nContent-Length: 0\r\n\r\n";
  });
  auto r = run(spec(server.port(), {{"url", "/start"}, {"expect", "all ok"}}), true);
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requestLine(requests[1]), "GET /next HTTP/1.1");
  ASSERT_EQ(target.requests().size(), 1u);
  EXPECT_EQ(requestLine(target.requests()[0]), "GET /there?x=1 HTTP/1.1");
  EXPECT_THAT(target.requests()[0],
              HasSubstr("\r\nHost: 127.0.0.1:" + std::to_string(target.port()) + "\r\n"));
}

// Redirects curl follows differently are left to it: any 3xx with a Location is followed,
// a path curl would percent-encode and the monitor's own headers going to another host are
// curl's; a fragment is never sent.
TEST_F(PlainClientTest, RedirectsAreFollowedAsCurlFollowsThem) {
  RawServer target([](const std::string&) {
    return answer("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nall ok");
  });
  const std::string other = "http://127.0.0.1:" + std::to_string(target.port());
  RawServer server([&other](const std::string& request) -> std::optional<std::string> {
    const std::string line = requestLine(request);
    if (line == "GET /multiple HTTP/1.1") {
      return "HTTP/1.1 300 Multiple Choices\r\nLocation: /ok\r\nContent-Length: 0\r\n\r\n";
    }
    if (line == "GET /spaced HTTP/1.1") {
      return "HTTP/1.1 302 Found\r\nLocation: /a b\r\nContent-Length: 0\r\n\r\n";
    }
    if (line == "GET /away HTTP/1.1") {
      return "HTTP/1.1 302 Found\r\nLocation: " + other + "/there\r\nContent-Length: 0\r\n\r\n";
    }
    return "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nall ok";
  });
  for (bool plain : {false, true}) {
    auto r = run(spec(server.port(), {{"url", "/multiple#frag"}}), plain);
    EXPECT_EQ(r.status, Status::kOk) << "plain=" << plain << ": " << r.message;
    r = run(spec(server.port(), {{"url", "/spaced"}}), plain);
    EXPECT_EQ(r.status, Status::kOk) << "plain=" << plain << ": " << r.message;
    r = run(spec(server.port(), {{"url", "/away"}, {"headers", {{"Authorization", "Bearer x"}}}}),
            plain);
    EXPECT_EQ(r.status, Status::kOk) << "plain=" << plain << ": " << r.message;
  }
  std::vector<std::string> lines;
  for (const auto& request : server.requests()) {
    lines.push_back(requestLine(request));
  }
  // curl's three runs, then the plain client's: the same requests, but for the two hops the
  // plain client handed to curl (made twice).
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "GET /multiple HTTP/1.1", "GET /ok HTTP/1.1", "GET /spaced HTTP/1.1",
                       "GET /a%20b HTTP/1.1", "GET /away HTTP/1.1", "GET /multiple HTTP/1.1",
                       "GET /ok HTTP/1.1", "GET /spaced HTTP/1.1", "GET /spaced HTTP/1.1",
                       "GET /a%20b HTTP/1.1", "GET /away HTTP/1.1", "GET /away HTTP/1.1"}));
  for (const auto& request : target.requests()) {
    EXPECT_EQ(request.find("Authorization"), std::string::npos) << request;
  }
}

TEST_F(PlainClientTest, EndlessRedirectsStopAfterTenAsCurlDoes) {
  RawServer server([](const std::string&) {
    return answer("HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n");
  });
  for (bool plain : {false, true}) {
    auto r = run(spec(server.port(), nlohmann::json::object()), plain);
    EXPECT_EQ(r.status, Status::kCritical);
    EXPECT_THAT(r.message, HasSubstr("too many redirects")) << "plain=" << plain;
  }
  EXPECT_EQ(server.requests().size(), 2u * 11u);  // the first request and 10 redirects, each
}

// A redirect to a host name needs curl: curl makes that hop again and follows on, and the
// check's later runs go to curl straight away (one repeated request per check, not per run).
TEST_F(PlainClientTest, ARedirectOnlyCurlCanFollowIsHandedOverOnce) {
  RawServer target([](const std::string&) {
    return answer("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nall ok");
  });
  const std::string to = "http://localhost:" + std::to_string(target.port()) + "/named";
  RawServer server([&to](const std::string&) {
    return "HTTP/1.1 307 Temporary\r\nLocation: " + to + "\r\nContent-Length: 0\r\n\r\n";
  });
  auto check = make(spec(server.port(), {{"url", "/go"}, {"expect", "all ok"}}), true);
  auto first = run(check);
  EXPECT_EQ(first.status, Status::kOk) << first.message;
  EXPECT_EQ(server.requests().size(), 2u) << "the plain client's, then curl's";
  ASSERT_EQ(target.requests().size(), 1u);
  EXPECT_THAT(target.requests()[0], HasSubstr("\r\nHost: localhost:"));

  auto second = run(check);
  EXPECT_EQ(second.status, Status::kOk) << second.message;
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(target.requests().size(), 2u);
}

TEST_F(PlainClientTest, ConnectionRefusedIsWordedAsCurlWordsIt) {
  uint16_t port = 0;
  {
    RawServer gone([](const std::string&) { return std::nullopt; });
    port = gone.port();
  }
  for (bool plain : {false, true}) {
    auto r = run(spec(port, nlohmann::json::object()), plain);
    EXPECT_EQ(r.message, "GET http://127.0.0.1:" + std::to_string(port) + "/: connection refused");
    EXPECT_EQ(r.failure, Failure::kConnect);
  }
}

TEST_F(PlainClientTest, AnIpv6AddressIsReachedAndNamedInHost) {
  RawServer server([](const std::string&) { return answer("HTTP/1.1 204 No Content\r\n\r\n"); },
                   true);
  if (!server.ok()) {
    GTEST_SKIP() << "no IPv6 loopback here";
  }
  auto r = run(spec(server.port(), {{"host", "::1"}, {"status-code", 204}}), true);
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_EQ(r.message,
            "GET http://[::1]:" + std::to_string(server.port()) + "/: status 204, 0 bytes");
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_THAT(server.requests()[0],
              HasSubstr("\r\nHost: [::1]:" + std::to_string(server.port()) + "\r\n"));
}

size_t openDescriptors() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++n;
  }
  return n;
}

// Every way a run can end closes its socket: answers, broken answers, refusals, timeouts,
// cancels and destruction mid-run.
TEST_F(PlainClientTest, NoRunLeavesADescriptorOpen) {
  RawServer ok(
      [](const std::string&) { return answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); });
  RawServer garbage([](const std::string&) { return answer("\x01\x02 nonsense"); });
  RawServer redirect([](const std::string&) {
    return answer("HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n");
  });
  std::atomic<bool> release{false};
  RawServer slow([&release](const std::string&) {
    for (int i = 0; i < 200 && !release; ++i) {
      std::this_thread::sleep_for(10ms);  // answers after the client gave up
    }
    return answer("HTTP/1.1 200 OK\r\n\r\n");
  });
  uint16_t refused = 0;
  {
    RawServer gone([](const std::string&) { return std::nullopt; });
    refused = gone.port();
  }
  // One run of each client first: the loop's reactor (epoll, timerfd, eventfd) comes with the
  // first socket, and curl's multi handle (with its wake-up descriptor) with the first run
  // handed to curl (the garbage answer is).
  run(spec(ok.port(), nlohmann::json::object()), true);
  run(spec(garbage.port(), nlohmann::json::object()), true);
  const size_t before = openDescriptors();
  for (int i = 0; i < 5; ++i) {
    run(spec(ok.port(), nlohmann::json::object()), true);
    run(spec(garbage.port(), nlohmann::json::object()), true);
    run(spec(redirect.port(), nlohmann::json::object()), true);
    run(spec(refused, nlohmann::json::object()), true);
  }
  auto timeout = run(spec(slow.port(), {{"timeout", "100ms"}}), true);
  EXPECT_THAT(timeout.message, HasSubstr("timed out after 100ms"));
  {
    auto cancelled = make(spec(slow.port(), nlohmann::json::object()), true);
    cancelled->start([](CheckResult) { ADD_FAILURE() << "called back after cancel"; });
    io_.restart();
    io_.run_for(20ms);
    cancelled->cancel();
    auto destroyed = make(spec(slow.port(), nlohmann::json::object()), true);
    destroyed->start([](CheckResult) { ADD_FAILURE() << "called back after destruction"; });
    io_.restart();
    io_.run_for(20ms);
  }
  release = true;
  // The servers close their side once they see ours closed; the aborted handlers run.
  size_t now = 0;
  EXPECT_TRUE(ninevolt::testing::eventually(
      [&] {
        io_.restart();
        io_.run_for(5ms);
        now = openDescriptors();
        return now == before;
      },
      10s))
      << now << " descriptors open, " << before << " before";
}

TEST_F(PlainClientTest, TheRequestIsWhatCurlWouldSend) {
  HttpTarget target(spec(8080, {{"url", "/p?q"}, {"headers", {{"X-A", "1"}}}}));
  EXPECT_EQ(PlainExchange::requestBytes(target, "GET", "127.0.0.1:8080", target.path(), "ua"),
            "GET /p?q HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: ua\r\nAccept: */*\r\n"
            "X-A: 1\r\n\r\n");
  EXPECT_EQ(target.host(), "127.0.0.1");
  EXPECT_TRUE(target.plainEligible());
  // Headers that change how curl sends the body stay with curl.
  EXPECT_FALSE(
      HttpTarget(spec(80, {{"headers", {{"Transfer-Encoding", "chunked"}}}})).plainEligible());
  EXPECT_FALSE(HttpTarget(spec(80, {{"headers", {{"expect", "100-continue"}}}})).plainEligible());
  EXPECT_FALSE(HttpTarget(spec(80, {{"method", "POST"}})).plainEligible());
  EXPECT_TRUE(
      HttpTarget(spec(80, {{"method", "POST"}, {"follow-redirects", false}})).plainEligible());
  EXPECT_FALSE(HttpTarget(spec(80, {{"ssl", true}})).plainEligible());
  EXPECT_FALSE(HttpTarget(spec(80, {{"host", "localhost"}})).plainEligible());
  HttpTarget v6(spec(80, {{"host", "::1"}}));
  EXPECT_EQ(v6.url, "http://[::1]:80/");
  EXPECT_EQ(v6.host(), "::1");
  EXPECT_EQ(v6.path(), "/");
}

}  // namespace
}  // namespace ninevolt::checks::http
