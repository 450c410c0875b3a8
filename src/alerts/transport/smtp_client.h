#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"

namespace ninevolt::alerts::transport {

enum class SmtpTls {
  kNone,         // never (tls: none)
  kStartTlsTry,  // STARTTLS when the server offers it (tls: starttls, no credentials)
  kStartTls,     // STARTTLS or fail (tls: starttls with credentials)
  kImplicit,     // TLS from the first byte, smtps:// (tls: implicit)
};

struct MailRequest {
  std::string host_port;  // "smtp.example.com:587", "[::1]:25"
  SmtpTls tls = SmtpTls::kStartTlsTry;
  std::string ca_file;  // "" = the system's CAs
  bool tls_verify = true;
  std::string username;  // "" = no AUTH
  std::string password;
  std::string mechanism;  // "PLAIN" | "LOGIN" | "CRAM-MD5"; "" = the best the server offers
  std::string mail_from;  // bare address (the envelope sender)
  std::vector<std::string> recipients;
  std::string message;  // the whole RFC 5322 message, CRLF line ends
};

// Delivers one message over one SMTP session, blocking the calling thread for at most
// `timeout` (connect, TLS, AUTH and DATA included). Errors: kDeadlineExceeded when the time
// ran out; kInvalidArgument when retrying cannot help (credentials refused, a 5xx reply to
// MAIL/RCPT/DATA, STARTTLS required but not offered); kUnavailable otherwise (refused,
// 4xx replies, TLS failures). Messages carry curl's description and the server's reply code,
// never the password. Thread-safe.
Result<void> sendMail(const MailRequest& request, std::chrono::milliseconds timeout);

}  // namespace ninevolt::alerts::transport
