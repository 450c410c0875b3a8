// The tls check against real TLS servers on 127.0.0.1 with openssl-made certificates (valid,
// expired, expiring in 3 days, wrong host, self-signed), scripted IMAP/POP3 greeters that
// upgrade, and the real SMTP server of the alerter tests offering STARTTLS.
#include "checks/tls/tls_check.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "checks/tls/tls_type.h"
#include "config/spec.h"
#include "integration/checks/check_harness.h"
#include "smtp_server.h"
#include "support/temp_dir.h"
#include "support/test_certs.h"

namespace ninevolt::checks {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;
using SteadyClock = std::chrono::steady_clock;
using ninevolt::testing::TestCerts;

config::MonitorSpec tlsSpec(uint16_t port,
                            const nlohmann::json& fields = nlohmann::json::object()) {
  return checks::testing::specOf(
      {{"type", "tls"}, {"host", "127.0.0.1"}, {"port", port}, {"interval", "10s"}}, fields);
}

std::vector<std::string> problemsOf(const nlohmann::json& fields) {
  return checks::testing::problemsOf({{"type", "tls"}, {"host", "h"}, {"interval", "10s"}}, fields);
}

// A TLS server on the test's loop. With a `greeting` script it first speaks a plain-text
// protocol: it sends script[0], then for each following pair waits for a line and answers,
// then upgrades (as an IMAP or POP3 server does after STARTTLS/STLS).
class TlsServer {
 public:
  struct Script {
    std::string greeting;                                    // sent on accept
    std::vector<std::pair<std::string, std::string>> turns;  // (line expected, answer)
  };

  TlsServer(asio::io_context& io, const TestCerts::Pair& cert, std::optional<Script> script = {},
            int max_version = 0)
      : ctx_(ssl::context::tls_server),
        acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        script_(std::move(script)) {
    ctx_.use_certificate_chain_file(cert.cert);
    ctx_.use_private_key_file(cert.key, ssl::context::pem);
    if (max_version != 0) {
      SSL_CTX_set_max_proto_version(ctx_.native_handle(), max_version);
    }
    accept();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int handshakes() const { return handshakes_; }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  struct Conn {
    explicit Conn(tcp::socket s, ssl::context& ctx) : stream(std::move(s), ctx) {}
    ssl::stream<tcp::socket> stream;
    asio::streambuf in;
    std::string out;
    size_t turn = 0;
  };

  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket s) {
      if (ec) {
        return;
      }
      auto conn = std::make_shared<Conn>(std::move(s), ctx_);
      conns_.push_back(conn);
      if (script_) {
        conn->out = script_->greeting;
        asio::async_write(conn->stream.next_layer(), asio::buffer(conn->out),
                          [this, conn](const boost::system::error_code& ec, size_t) {
                            if (!ec) {
                              nextTurn(conn);
                            }
                          });
      } else {
        handshake(conn);
      }
      accept();
    });
  }

  void nextTurn(const std::shared_ptr<Conn>& conn) {
    if (conn->turn == script_->turns.size()) {
      handshake(conn);
      return;
    }
    asio::async_read_until(
        conn->stream.next_layer(), conn->in, "\n",
        [this, conn](const boost::system::error_code& ec, size_t n) {
          if (ec) {
            return;
          }
          std::string line(asio::buffers_begin(conn->in.data()),
                           asio::buffers_begin(conn->in.data()) + static_cast<std::ptrdiff_t>(n));
          conn->in.consume(n);
          lines_.push_back(line);
          conn->out = script_->turns[conn->turn++].second;
          asio::async_write(conn->stream.next_layer(), asio::buffer(conn->out),
                            [this, conn](const boost::system::error_code& ec, size_t) {
                              if (!ec) {
                                nextTurn(conn);
                              }
                            });
        });
  }

  void handshake(const std::shared_ptr<Conn>& conn) {
    conn->stream.async_handshake(ssl::stream_base::server,
                                 [this, conn](const boost::system::error_code& ec) {
                                   if (!ec) {
                                     ++handshakes_;
                                   }
                                 });
  }

  ssl::context ctx_;
  tcp::acceptor acceptor_;
  std::optional<Script> script_;
  std::vector<std::shared_ptr<Conn>> conns_;
  std::vector<std::string> lines_;
  int handshakes_ = 0;
};

class TlsCheckTest : public checks::testing::CheckTestWithCerts {
 protected:
  CheckResult run(const config::MonitorSpec& spec) { return runner_.run(*factory_, spec); }

  std::unique_ptr<CheckFactory> factory_ =
      tls::makeTlsCheckFactory(tls::TlsOptions{.ca_file = certs_->ca});
};

TEST_F(TlsCheckTest, AValidCertificateIsOkWithItsDaysLeft) {
  TlsServer server(io_, certs_->valid);
  auto r = run(tlsSpec(server.port()));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_THAT(r.message, MatchesRegex("certificate 'valid' valid for (29|30) days \\(until "
                                      "[0-9]{4}-[0-9]{2}-[0-9]{2}\\), TLSv1\\.3"));
  EXPECT_GT(r.values.at("days_left"), 29.0);
  EXPECT_LE(r.values.at("days_left"), 30.0);
  // Through a name as well: SNI and the name check use "localhost".
  auto named = run(tlsSpec(server.port(), {{"host", "localhost"}}));
  EXPECT_EQ(named.status, Status::kOk) << named.message;
}

TEST_F(TlsCheckTest, AnExpiredCertificateIsCriticalEvenWithoutVerification) {
  TlsServer server(io_, certs_->expired);
  for (bool verify : {true, false}) {
    auto r = run(tlsSpec(server.port(), {{"tls-verify", verify}}));
    EXPECT_EQ(r.status, Status::kCritical);
    EXPECT_EQ(r.failure, Failure::kCertExpiry);
    EXPECT_THAT(r.message, MatchesRegex("certificate 'expired' expired ([0-9]+h|1 day) ago "
                                        "\\([0-9-]+\\)"));
    EXPECT_LT(r.values.at("days_left"), 0.0);
  }
}

TEST_F(TlsCheckTest, ExpiringSoonIsAWarningOrCriticalByThreshold) {
  TlsServer server(io_, certs_->soon);
  // Defaults: warning under 14 days, critical under 7: 3 days left is critical.
  auto def = run(tlsSpec(server.port()));
  EXPECT_EQ(def.status, Status::kCritical);
  EXPECT_EQ(def.failure, Failure::kCertExpiry);
  EXPECT_THAT(def.message, StartsWith("certificate 'soon' expires in "));
  auto warn = run(
      tlsSpec(server.port(), {{"cert-expiry-warning", "240h"}, {"cert-expiry-critical", "24h"}}));
  EXPECT_EQ(warn.status, Status::kWarning);
  EXPECT_EQ(warn.failure, Failure::kCertExpiry);
  auto ok = run(
      tlsSpec(server.port(), {{"cert-expiry-warning", "48h"}, {"cert-expiry-critical", "24h"}}));
  EXPECT_EQ(ok.status, Status::kOk) << ok.message;
}

TEST_F(TlsCheckTest, AWrongHostIsCriticalUnlessVerificationIsOff) {
  TlsServer server(io_, certs_->wrong_host);
  auto r = run(tlsSpec(server.port()));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.failure, Failure::kTls);
  EXPECT_EQ(r.message, "certificate 'wrong' does not match '127.0.0.1'");
  // server-name decides the name checked (and sent as SNI).
  auto named = run(tlsSpec(server.port(), {{"server-name", "wrong.example.com"}}));
  EXPECT_EQ(named.status, Status::kOk) << named.message;
  auto off = run(tlsSpec(server.port(), {{"tls-verify", false}}));
  EXPECT_EQ(off.status, Status::kOk) << off.message;
}

TEST_F(TlsCheckTest, ASelfSignedCertificateIsNotTrusted) {
  TlsServer server(io_, certs_->self_signed);
  auto r = run(tlsSpec(server.port()));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.failure, Failure::kTls);
  EXPECT_EQ(r.message, "certificate 'self' is not trusted: self-signed certificate");
  EXPECT_EQ(run(tlsSpec(server.port(), {{"tls-verify", false}})).status, Status::kOk);
}

TEST_F(TlsCheckTest, MinTlsVersionRefusesAnOlderServer) {
  TlsServer server(io_, certs_->valid, std::nullopt, TLS1_2_VERSION);
  auto ok = run(tlsSpec(server.port(), {{"min-tls-version", "1.2"}}));
  EXPECT_EQ(ok.status, Status::kOk) << ok.message;
  EXPECT_THAT(ok.message, HasSubstr("TLSv1.2"));
  auto r = run(tlsSpec(server.port(), {{"min-tls-version", "1.3"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.failure, Failure::kTls);
  EXPECT_THAT(r.message,
              StartsWith(fmt::format("TLS handshake with 127.0.0.1:{} failed: ", server.port())));
}

TEST_F(TlsCheckTest, APlainServerFailsTheHandshakeAndASilentOneTimesOut) {
  // A plain-text server that greets (as SMTP does) is not TLS.
  TlsServer plain(io_, certs_->valid, TlsServer::Script{"220 plain text here\r\n", {}});
  auto r = run(tlsSpec(plain.port(), {{"timeout", "5s"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.failure, Failure::kTls);

  tcp::acceptor silent(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto t = run(tlsSpec(silent.local_endpoint().port(), {{"timeout", "300ms"}}));
  EXPECT_EQ(t.status, Status::kCritical);
  EXPECT_EQ(t.failure, Failure::kTimeout);
  EXPECT_EQ(t.message, fmt::format("timed out after 300ms in the TLS handshake with 127.0.0.1:{}",
                                   silent.local_endpoint().port()));
}

TEST_F(TlsCheckTest, AClosedPortIsRefused) {
  uint16_t port = 0;
  {
    tcp::acceptor probe(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }
  auto r = run(tlsSpec(port));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.failure, Failure::kConnect);
  EXPECT_EQ(r.message, fmt::format("cannot connect to 127.0.0.1:{}: connection refused", port));
}

TEST_F(TlsCheckTest, ImapAndPop3StartTls) {
  TlsServer imap(io_, certs_->valid,
                 TlsServer::Script{"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n",
                                   {{"a1 STARTTLS\r\n", "a1 OK Begin TLS now\r\n"}}});
  auto r = run(tlsSpec(imap.port(), {{"starttls", "imap"}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message;
  EXPECT_THAT(imap.lines(), ::testing::ElementsAre("a1 STARTTLS\r\n"));
  EXPECT_EQ(imap.handshakes(), 1);

  TlsServer pop3(io_, certs_->valid,
                 TlsServer::Script{"+OK POP3 ready\r\n", {{"STLS\r\n", "-ERR not now\r\n"}}});
  auto refused = run(tlsSpec(pop3.port(), {{"starttls", "POP3"}}));
  EXPECT_EQ(refused.status, Status::kCritical);
  EXPECT_EQ(refused.failure, Failure::kProtocol);
  EXPECT_EQ(refused.message, fmt::format(R"(the POP3 server refused STLS: "-ERR not now" )"
                                         "(127.0.0.1:{})",
                                         pop3.port()));
}

TEST_F(TlsCheckTest, DataAfterTheGoAheadIsRefused) {
  // The answer and injected bytes in one write (CVE-2011-0411's attack shape).
  TlsServer pop3(io_, certs_->valid,
                 TlsServer::Script{"+OK POP3 ready\r\n", {{"STLS\r\n", "+OK go\r\nINJECTED\r\n"}}});
  auto r = run(tlsSpec(pop3.port(), {{"starttls", "pop3"}}));
  EXPECT_EQ(r.status, Status::kCritical);
  EXPECT_EQ(r.failure, Failure::kProtocol);
  EXPECT_THAT(r.message, HasSubstr("sent data after agreeing to STARTTLS"));
}

TEST_F(TlsCheckTest, ARealSmtpServerOfferingStartTls) {
  alerts::testing::SmtpServer smtp(
      {.tls = "starttls", .cert_file = certs_->valid.cert, .key_file = certs_->valid.key});
  auto r = run(tlsSpec(smtp.port(), {{"starttls", "smtp"}}));
  EXPECT_EQ(r.status, Status::kOk) << r.message << "\n" << smtp.output();
  EXPECT_THAT(r.message, StartsWith("certificate 'valid' valid for "));

  alerts::testing::SmtpServer plain({.tls = "none"});
  auto none = run(tlsSpec(plain.port(), {{"starttls", "smtp"}}));
  EXPECT_EQ(none.status, Status::kCritical);
  EXPECT_EQ(none.failure, Failure::kProtocol);
  EXPECT_EQ(none.message,
            fmt::format("the SMTP server does not offer STARTTLS (127.0.0.1:{})", plain.port()));
}

TEST(TlsConfig, Rules) {
  EXPECT_THAT(problemsOf({{"starttls", "pop"}}),
              ::testing::ElementsAre("monitor 't': starttls: unknown protocol 'pop' (did you mean "
                                     "'pop3'?); one of smtp imap pop3"));
  EXPECT_THAT(problemsOf({{"min-tls-version", "1.4"}}),
              ::testing::ElementsAre("monitor 't': min-tls-version: unknown version '1.4'; one "
                                     "of 1.0 1.1 1.2 1.3"));
  EXPECT_THAT(problemsOf({{"cert-expiry-warning", "24h"}, {"cert-expiry-critical", "48h"}}),
              ::testing::ElementsAre("monitor 't': cert-expiry-critical: 48h must not be longer "
                                     "than cert-expiry-warning 24h"));
  EXPECT_THAT(problemsOf({{"server-name", "a b"}}),
              ::testing::ElementsAre("monitor 't': server-name: must be a host name, got \"a "
                                     "b\""));
  EXPECT_THAT(problemsOf({{"cert-expiry-warning", 0}}),
              ::testing::ElementsAre(HasSubstr("cert-expiry-warning")));
  config::Problems problems;
  auto parsed = config::parseMonitor(
      "m", {{"type", "tls"}, {"host", "mail.test"}, {"starttls", "smtp"}, {"interval", "1m"}},
      problems);
  ASSERT_TRUE(parsed) << problems.front().toString();
  EXPECT_EQ(parsed->options<tls::TlsSpec>().port, 587);
  EXPECT_EQ(parsed->type->target(*parsed), "mail.test:587 (smtp STARTTLS)");
}

}  // namespace
}  // namespace ninevolt::checks
