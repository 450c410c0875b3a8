// The email alerter against a real SMTP server (Debian's python3-aiosmtpd, run by the test
// on a free loopback port): headers and body as received, STARTTLS and implicit TLS with a
// test CA, AUTH PLAIN / LOGIN / CRAM-MD5, refusals, the deadline, and the password kept out
// of errors and logs.
#include "alerts/email/email_alerter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "alerts/email/email_message.h"
#include "fixtures.h"
#include "receiver.h"
#include "smtp_server.h"
#include "support/process.h"
#include "support/test_certs.h"

namespace ninevolt::alerts::email {
namespace {

using namespace std::chrono_literals;
using ninevolt::testing::TestCerts;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::sampleNotification;
using testing::SmtpServer;

constexpr const char* kUser = "alerts";
constexpr const char* kPassword = "pw-8e1f-secret";

class EmailAlerterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ninevolt::testing::TempDir();
    certs_ = new TestCerts(TestCerts::make(*dir_));
  }
  static void TearDownTestSuite() {
    delete certs_;
    delete dir_;
  }

  static SmtpServer::Options tlsServer(const std::string& mode) {
    return {.tls = mode,
            .cert_file = certs_->valid.cert,
            .key_file = certs_->valid.key,
            .user = kUser,
            .password = kPassword};
  }

  std::unique_ptr<Alerter> alerter(const SmtpServer& server, const std::string& more_options,
                                   const std::string& name = "mail") {
    return testing::makeAlerter(*factory_,
                                "type: email\noptions:\n  address: \"" + server.address()
                                    + "\"\n  to: \"oncall@example.com, ops@example.org\"\n"
                                      "  from: \"9volt <alerts@example.net>\"\n"
                                    + more_options,
                                name);
  }

  static std::string withAuth(const std::string& mechanism, const std::string& tls) {
    return "  tls: " + tls + "\n  username: " + kUser + "\n  password: " + kPassword
           + "\n  auth: " + mechanism + "\n  ca-file: " + certs_->ca + "\n";
  }

  static ninevolt::testing::TempDir* dir_;
  static TestCerts* certs_;
  std::unique_ptr<AlerterFactory> factory_ = makeEmailAlerterFactory();
};

ninevolt::testing::TempDir* EmailAlerterTest::dir_ = nullptr;
TestCerts* EmailAlerterTest::certs_ = nullptr;

TEST_F(EmailAlerterTest, MessageHasEveryHeaderAndField) {
  SmtpServer server({.tls = "none"});
  auto a = alerter(server, "  tls: none\n");
  ASSERT_TRUE(a);
  const Notification n = sampleNotification(NotificationKind::kCritical);
  auto r = a->deliver(n, 5s);
  ASSERT_TRUE(r) << r.error().message;

  auto messages = server.messages();
  ASSERT_EQ(messages.size(), 1u) << server.output();
  const auto& m = messages[0];
  EXPECT_EQ(m.mail_from, "alerts@example.net");
  EXPECT_THAT(m.rcpt_tos, ElementsAre("oncall@example.com", "ops@example.org"));
  EXPECT_FALSE(m.tls);
  EXPECT_THAT(m.header("From"), ElementsAre("9volt <alerts@example.net>"));
  EXPECT_THAT(m.header("To"), ElementsAre("oncall@example.com, ops@example.org"));
  EXPECT_THAT(m.header("Date"), ElementsAre("Wed, 18 Nov 2026 11:06:40 +0000"));
  EXPECT_THAT(m.header("Subject"), ElementsAre("[CRITICAL] HTTP check 'web' failure"));
  EXPECT_THAT(m.header("MIME-Version"), ElementsAre("1.0"));
  EXPECT_THAT(m.header("Content-Type"), ElementsAre("text/plain; charset=\"utf-8\""));
  EXPECT_THAT(m.header("Auto-Submitted"), ElementsAre("auto-generated"));
  EXPECT_THAT(m.header("X-9volt-Transition"), ElementsAre("web/7"));
  ASSERT_EQ(m.header("Message-ID").size(), 1u);
  const std::string id = m.header("Message-ID")[0];
  EXPECT_THAT(id, ::testing::MatchesRegex("<[0-9a-f]{32}\\.9volt@example\\.net>"));
  // Every field, the error's non-ASCII dash included (quoted-printable, decoded by the server).
  for (const std::string& part : std::vector<std::string>{
           n.title, n.text, "web (http)", n.description, n.target, "critical (was ok)", n.error,
           n.member_id, std::string("2026-11-18T11:06:40Z"), std::string("2026-11-18T11:05:40Z"),
           n.link, n.transition_id}) {
    EXPECT_THAT(m.body, HasSubstr(part));
  }
  EXPECT_THAT(m.header("Content-Transfer-Encoding"), ElementsAre("quoted-printable"));

  // The same transition again (a retry, a new owner): the same Message-ID.
  ASSERT_TRUE(a->deliver(n, 5s));
  auto other = alerter(server, "  tls: none\n", "mail2");
  ASSERT_TRUE(other->deliver(n, 5s));
  messages = server.messages();
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[1].header("Message-ID")[0], id);
  EXPECT_NE(messages[2].header("Message-ID")[0], id);  // another alerter's message
}

TEST_F(EmailAlerterTest, AsciiBodyIsSevenBitAndResolveSubject) {
  SmtpServer server({.tls = "none"});
  auto a = alerter(server, "  tls: none\n");
  Notification n = sampleNotification(NotificationKind::kResolve);
  n.error = "connection refused";
  ASSERT_TRUE(a->deliver(n, 5s));
  auto messages = server.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_THAT(messages[0].header("Subject"), ElementsAre("[RESOLVED] HTTP check 'web' recovery"));
  EXPECT_THAT(messages[0].header("Content-Transfer-Encoding"), ElementsAre("7bit"));
  EXPECT_THAT(messages[0].body, HasSubstr("ok (was critical)"));
}

TEST_F(EmailAlerterTest, StartTlsWithEachAuthMechanism) {
  SmtpServer server(tlsServer("starttls"));
  for (const auto& [option, mechanism] : std::vector<std::pair<std::string, std::string>>{
           {"plain", "PLAIN"}, {"login", "LOGIN"}, {"md5", "CRAM-MD5"}}) {
    SCOPED_TRACE(option);
    auto a = alerter(server, withAuth(option, "starttls"));
    ASSERT_TRUE(a);
    auto r = a->deliver(sampleNotification(), 10s);
    ASSERT_TRUE(r) << r.error().message << "\n" << server.output();
    auto messages = server.messages();
    ASSERT_FALSE(messages.empty());
    EXPECT_TRUE(messages.back().tls);
    EXPECT_EQ(messages.back().auth_mechanism, mechanism);
    EXPECT_EQ(messages.back().login, kUser);
  }
}

TEST_F(EmailAlerterTest, ImplicitTls) {
  SmtpServer server(tlsServer("implicit"));
  auto a = alerter(server, withAuth("plain", "implicit"));
  ASSERT_TRUE(a);
  auto r = a->deliver(sampleNotification(), 10s);
  ASSERT_TRUE(r) << r.error().message << "\n" << server.output();
  auto messages = server.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_TRUE(messages[0].tls);
  EXPECT_EQ(messages[0].auth_mechanism, "PLAIN");
}

TEST_F(EmailAlerterTest, StartTlsIsTakenWhenOfferedWithoutCredentials) {
  SmtpServer tls(tlsServer("starttls"));
  auto a = alerter(tls, "  ca-file: " + certs_->ca + "\n");  // tls: starttls by default
  ASSERT_TRUE(a->deliver(sampleNotification(), 10s));
  ASSERT_EQ(tls.messages().size(), 1u);
  EXPECT_TRUE(tls.messages()[0].tls);
  EXPECT_EQ(tls.messages()[0].auth_mechanism, "");

  SmtpServer plain({.tls = "none"});  // a relay without STARTTLS still gets the mail
  auto b = alerter(plain, "");
  ASSERT_TRUE(b->deliver(sampleNotification(), 10s));
  ASSERT_EQ(plain.messages().size(), 1u);
  EXPECT_FALSE(plain.messages()[0].tls);
}

TEST_F(EmailAlerterTest, CredentialsAreNeverSentWithoutTls) {
  SmtpServer plain({.tls = "none", .user = kUser, .password = kPassword});
  testing::LogCapture logs;
  auto a = alerter(plain, withAuth("plain", "starttls"));
  auto r = a->deliver(sampleNotification(), 10s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_THAT(r.error().message, HasSubstr("does not offer STARTTLS"));
  EXPECT_TRUE(plain.messages().empty());
  EXPECT_THAT(r.error().message + logs.text(), Not(HasSubstr(kPassword)));
}

TEST_F(EmailAlerterTest, WrongPasswordIsNotRetriedAndNeverShown) {
  SmtpServer server(tlsServer("starttls"));
  testing::LogCapture logs;
  for (const char* mechanism : {"plain", "login", "md5"}) {
    SCOPED_TRACE(mechanism);
    auto spec = "  tls: starttls\n  username: " + std::string(kUser)
                + "\n  password: wrong-pw-4711\n  auth: " + mechanism + "\n  ca-file: " + certs_->ca
                + "\n";
    auto a = alerter(server, spec);
    auto r = a->deliver(sampleNotification(), 10s);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
    EXPECT_THAT(r.error().message, HasSubstr("authentication refused"));
    EXPECT_THAT(r.error().message, Not(HasSubstr("wrong-pw-4711")));
  }
  // A good one, so there is a log line to look into.
  ASSERT_TRUE(alerter(server, withAuth("md5", "starttls"))->deliver(sampleNotification(), 10s));
  EXPECT_THAT(logs.text(), HasSubstr("sent to oncall@example.com, ops@example.org"));
  EXPECT_THAT(logs.text(), Not(HasSubstr("wrong-pw-4711")));
  EXPECT_THAT(logs.text(), Not(HasSubstr(kPassword)));
  EXPECT_EQ(server.messages().size(), 1u);
}

TEST_F(EmailAlerterTest, CertificateIsVerified) {
  SmtpServer server(tlsServer("starttls"));
  auto untrusted =
      alerter(server, "  tls: starttls\n  username: " + std::string(kUser) + "\n  password: "
                          + kPassword + "\n  ca-file: " + certs_->other_ca + "\n");
  auto r = untrusted->deliver(sampleNotification(), 10s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_TRUE(server.messages().empty());

  auto unverified =
      alerter(server, "  tls: starttls\n  username: " + std::string(kUser)
                          + "\n  password: " + kPassword + "\n  tls-verify: \"false\"\n");
  r = unverified->deliver(sampleNotification(), 10s);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(server.messages().size(), 1u);
}

TEST_F(EmailAlerterTest, RefusedRecipientsDecideRetry) {
  SmtpServer server({.tls = "none"});
  auto rejected =
      testing::makeAlerter(*factory_, "type: email\noptions: {address: \"" + server.address()
                                          + "\", to: reject@example.com, tls: none}\n");
  auto r = rejected->deliver(sampleNotification(), 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_THAT(r.error().message, HasSubstr("550"));

  auto later =
      testing::makeAlerter(*factory_, "type: email\noptions: {address: \"" + server.address()
                                          + "\", to: later@example.com, tls: none}\n");
  r = later->deliver(sampleNotification(), 5s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_THAT(r.error().message, HasSubstr("451"));
  EXPECT_TRUE(server.messages().empty());
}

TEST_F(EmailAlerterTest, ServerDownIsRetryable) {
  const uint16_t port = ninevolt::testing::freePort();
  auto a = testing::makeAlerter(*factory_, "type: email\noptions: {address: \"127.0.0.1:"
                                               + std::to_string(port) + "\", to: a@b.c}\n");
  auto r = a->deliver(sampleNotification(), 2s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
}

TEST_F(EmailAlerterTest, ServerThatNeverGreetsHitsTheDeadline) {
  // Accepts the connection and never says a word (the receiver waits for an HTTP request).
  testing::Receiver silent(
      [](const testing::Receiver::Request&) { return testing::Receiver::Reply{.hang = true}; });
  auto a =
      testing::makeAlerter(*factory_, "type: email\noptions: {address: \"127.0.0.1:"
                                          + std::to_string(silent.port()) + "\", to: a@b.c}\n");
  auto started = std::chrono::steady_clock::now();
  auto r = a->deliver(sampleNotification(), 500ms);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kDeadlineExceeded);
  EXPECT_GE(took, 450ms);
  EXPECT_LT(took, 2s);
}

}  // namespace
}  // namespace ninevolt::alerts::email
