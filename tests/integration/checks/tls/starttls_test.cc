// The STARTTLS dialogue, line by line: what a well-behaved server and a broken one get.
#include "checks/tls/starttls.h"

#include <gtest/gtest.h>

namespace ninevolt::checks::tls {
namespace {

using Step = StartTls::Step;

TEST(StartTls, SmtpWithMultiLineGreetingAndEhlo) {
  StartTls s("smtp");
  EXPECT_EQ(s.begin().step, Step::kRead);
  EXPECT_EQ(s.onLine("220-mail.test ESMTP").step, Step::kRead);
  auto ehlo = s.onLine("220 ready");
  EXPECT_EQ(ehlo.step, Step::kWrite);
  EXPECT_EQ(ehlo.text, "EHLO 9volt\r\n");
  EXPECT_EQ(s.onLine("250-mail.test").step, Step::kRead);
  EXPECT_EQ(s.onLine("250-starttls").step, Step::kRead);  // case-insensitive
  auto go = s.onLine("250 SIZE 1000");
  EXPECT_EQ(go.step, Step::kWrite);
  EXPECT_EQ(go.text, "STARTTLS\r\n");
  EXPECT_EQ(s.onLine("220 go ahead").step, Step::kUpgrade);
}

TEST(StartTls, SmtpFailures) {
  StartTls no_greeting("smtp");
  auto r = no_greeting.onLine("554 go away");
  EXPECT_EQ(r.step, Step::kFail);
  EXPECT_EQ(r.text, R"(the SMTP server did not greet with 220: "554 go away")");

  StartTls no_offer("smtp");
  no_offer.onLine("220 hi");
  EXPECT_EQ(no_offer.onLine("250-x").step, Step::kRead);
  auto none = no_offer.onLine("250 AUTH PLAIN");
  EXPECT_EQ(none.step, Step::kFail);
  EXPECT_EQ(none.text, "the SMTP server does not offer STARTTLS");

  StartTls refused("smtp");
  refused.onLine("220 hi");
  refused.onLine("250 STARTTLS");
  auto no = refused.onLine("454 TLS not available\x01");
  EXPECT_EQ(no.step, Step::kFail);
  EXPECT_EQ(no.text, R"(the SMTP server refused STARTTLS: "454 TLS not available\x01")");
}

TEST(StartTls, Imap) {
  StartTls s("imap");
  auto cmd = s.onLine("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready");
  EXPECT_EQ(cmd.step, Step::kWrite);
  EXPECT_EQ(cmd.text, "a1 STARTTLS\r\n");
  EXPECT_EQ(s.onLine("* CAPABILITY IMAP4rev1").step, Step::kRead);
  EXPECT_EQ(s.onLine("a1 OK Begin TLS").step, Step::kUpgrade);

  StartTls no("imap");
  no.onLine("* OK hi");
  auto r = no.onLine("a1 BAD unknown command");
  EXPECT_EQ(r.step, Step::kFail);
  EXPECT_EQ(r.text, R"(the IMAP server refused STARTTLS: "a1 BAD unknown command")");
}

TEST(StartTls, Pop3) {
  StartTls s("pop3");
  auto cmd = s.onLine("+OK POP3 ready");
  EXPECT_EQ(cmd.step, Step::kWrite);
  EXPECT_EQ(cmd.text, "STLS\r\n");
  EXPECT_EQ(s.onLine("+OK begin TLS").step, Step::kUpgrade);
  StartTls bad("pop3");
  EXPECT_EQ(bad.onLine("-ERR busy").step, Step::kFail);
}

}  // namespace
}  // namespace ninevolt::checks::tls
