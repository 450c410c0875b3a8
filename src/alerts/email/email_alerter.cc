#include "alerts/email/email_alerter.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "alerts/email/email_message.h"
#include "alerts/transport/scrubber.h"
#include "alerts/transport/smtp_client.h"
#include "config/alerter_options.h"

namespace ninevolt::alerts::email {
namespace {

using transport::SmtpTls;

std::string option(const config::AlerterSpec& spec, const char* name,
                   const std::string& fallback = "") {
  auto it = spec.options.find(name);
  return it == spec.options.end() ? fallback : it->second;
}

const char* tlsName(SmtpTls tls) {
  switch (tls) {
    case SmtpTls::kNone:
      return "no TLS";
    case SmtpTls::kStartTlsTry:
      return "STARTTLS if offered";
    case SmtpTls::kStartTls:
      return "STARTTLS";
    case SmtpTls::kImplicit:
      return "implicit TLS";
  }
  return "";
}

class EmailAlerter final : public Alerter {
 public:
  EmailAlerter(const config::AlerterSpec& spec, transport::MailRequest session,
               MessageOptions message)
      : name_(spec.name),
        session_(std::move(session)),
        message_(std::move(message)),
        scrubber_(spec) {}

  Result<void> deliver(const Notification& n, std::chrono::milliseconds timeout) const override {
    transport::MailRequest request = session_;
    request.message = emailMessage(n, message_);
    auto started = std::chrono::steady_clock::now();
    if (auto sent = transport::sendMail(request, timeout); !sent) {
      return scrubber_.result(sent);
    }
    spdlog::debug("email '{}': {} of {} sent to {} via {} ({}, {} ms)", name_,
                  notificationKindName(n.kind), n.check, fmt::join(message_.to, ", "),
                  session_.host_port, tlsName(session_.tls),
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count());
    return {};
  }

 private:
  std::string name_;
  transport::MailRequest session_;  // everything but the message
  MessageOptions message_;
  transport::Scrubber scrubber_;
};

class EmailFactory final : public AlerterFactory {
 public:
  Result<std::unique_ptr<Alerter>> create(const config::AlerterSpec& spec) const override {
    auto problem = [&spec](std::string what) {
      return fail(Errc::kInvalidArgument, fmt::format("alerter '{}': {}", spec.name, what));
    };
    transport::MailRequest session;
    session.host_port = option(spec, "address");
    if (session.host_port.empty()) {
      return problem("email needs address");
    }
    session.recipients = config::splitAddressList(option(spec, "to"));
    if (session.recipients.empty()) {
      return problem("email needs to");
    }
    const std::string from = option(spec, "from", "9volt-alerter@example.com");
    session.mail_from = envelopeAddress(from);
    session.username = option(spec, "username");
    session.password = option(spec, "password");
    const std::string tls = option(spec, "tls", "starttls");
    if (tls == "none") {
      session.tls = SmtpTls::kNone;
    } else if (tls == "implicit") {
      session.tls = SmtpTls::kImplicit;
    } else {
      // With credentials STARTTLS is a must; without, it is taken when offered (as the
      // original did) so a plain relay on port 25 keeps working.
      session.tls = session.username.empty() ? SmtpTls::kStartTlsTry : SmtpTls::kStartTls;
    }
    if (!session.username.empty() && session.tls == SmtpTls::kNone) {
      return problem("credentials are never sent without TLS (tls: none)");
    }
    const std::string auth = option(spec, "auth");
    session.mechanism = auth == "plain"   ? "PLAIN"
                        : auth == "login" ? "LOGIN"
                        : auth == "md5"   ? "CRAM-MD5"
                                          : "";
    session.ca_file = option(spec, "ca-file");
    session.tls_verify = option(spec, "tls-verify", "true") != "false";
    MessageOptions message{.from = from, .to = session.recipients, .alerter = spec.name};
    return std::make_unique<EmailAlerter>(spec, std::move(session), std::move(message));
  }
};

}  // namespace

std::unique_ptr<AlerterFactory> makeEmailAlerterFactory() {
  return std::make_unique<EmailFactory>();
}

}  // namespace ninevolt::alerts::email
