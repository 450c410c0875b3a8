#pragma once

// The plain-text dialogue before a STARTTLS upgrade, as a pure state machine: the run feeds
// it each line the server sends and writes what it returns. No I/O here, so it is tested
// line by line (tests/unit/checks/starttls_test.cc).

#include <string>
#include <string_view>

namespace ninevolt::checks::tls {

class StartTls {
 public:
  enum class Step { kRead, kWrite, kUpgrade, kFail };
  struct Action {
    Step step = Step::kRead;
    std::string text;  // kWrite: the bytes to send; kFail: why
  };

  // protocol: "smtp", "imap" or "pop3".
  explicit StartTls(std::string protocol) : protocol_(std::move(protocol)) {}

  // What to do first (servers speak first in all three: read the greeting).
  Action begin() const { return {Step::kRead, {}}; }
  // One line from the server, without its CRLF.
  Action onLine(std::string_view line);

 private:
  enum class State { kGreeting, kEhlo, kStartTls };
  Action smtp(std::string_view line);
  Action imap(std::string_view line);
  Action pop3(std::string_view line);

  std::string protocol_;
  State state_ = State::kGreeting;
  bool offers_starttls_ = false;
};

}  // namespace ninevolt::checks::tls
