#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "support/process.h"
#include "support/temp_dir.h"

namespace ninevolt::alerts::testing {

// A real SMTP server (tests/support/smtp_server.py on Debian's python3-aiosmtpd) on a free
// loopback port, run as a child process and killed by pid on destruction. Recipients
// "reject..." get 550, "later..." 451. Throws std::runtime_error (with the server's output)
// when it does not come up, e.g. python3-aiosmtpd is missing.
class SmtpServer {
 public:
  struct Options {
    std::string tls = "none";  // none | starttls | implicit
    std::string cert_file;     // for starttls / implicit
    std::string key_file;
    std::string user;  // "" = AUTH refuses everyone
    std::string password;
    bool require_auth = false;
  };
  // One accepted message, as the server saw it.
  struct Message {
    std::string mail_from;
    std::vector<std::string> rcpt_tos;
    std::string raw;
    std::vector<std::pair<std::string, std::string>> headers;  // in order, as parsed
    std::string body;                                          // decoded text/plain
    bool tls = false;
    std::string auth_mechanism;  // "" when no AUTH
    std::string login;

    // Values of every header with this name (case-insensitive).
    std::vector<std::string> header(const std::string& name) const;
  };

  explicit SmtpServer(Options options);
  ~SmtpServer();
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  uint16_t port() const { return port_; }
  std::string address() const;  // "127.0.0.1:<port>"
  std::vector<Message> messages() const;
  std::string output() const;  // the server's log

 private:
  ninevolt::testing::TempDir dir_;
  uint16_t port_ = 0;
  std::unique_ptr<ninevolt::testing::Process> process_;
};

}  // namespace ninevolt::alerts::testing
