#include "checks/tls/starttls.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "checks/quote.h"

namespace ninevolt::checks::tls {
namespace {

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

StartTls::Action fail(std::string why) {
  return {StartTls::Step::kFail, std::move(why)};
}

}  // namespace

StartTls::Action StartTls::onLine(std::string_view line) {
  if (protocol_ == "smtp") {
    return smtp(line);
  }
  if (protocol_ == "imap") {
    return imap(line);
  }
  return pop3(line);
}

// RFC 3207: 220 greeting, EHLO, 250 lines (the last "250 "), STARTTLS, 220.
StartTls::Action StartTls::smtp(std::string_view line) {
  const bool last = line.size() < 4 || line[3] != '-';
  switch (state_) {
    case State::kGreeting:
      if (!startsWith(line, "220")) {
        return fail(fmt::format("the SMTP server did not greet with 220: {}", quotePrefix(line)));
      }
      if (!last) {
        return {Step::kRead, {}};
      }
      state_ = State::kEhlo;
      return {Step::kWrite, "EHLO 9volt\r\n"};
    case State::kEhlo:
      if (!startsWith(line, "250")) {
        return fail(fmt::format("the SMTP server refused EHLO: {}", quotePrefix(line)));
      }
      if (line.size() >= 4 && upper(line.substr(4)).rfind("STARTTLS", 0) == 0) {
        offers_starttls_ = true;
      }
      if (!last) {
        return {Step::kRead, {}};
      }
      if (!offers_starttls_) {
        return fail("the SMTP server does not offer STARTTLS");
      }
      state_ = State::kStartTls;
      return {Step::kWrite, "STARTTLS\r\n"};
    case State::kStartTls:
      if (!startsWith(line, "220")) {
        return fail(fmt::format("the SMTP server refused STARTTLS: {}", quotePrefix(line)));
      }
      return {Step::kUpgrade, {}};
  }
  return fail("unexpected state");
}

// RFC 3501: "* OK" greeting, "a1 STARTTLS", "a1 OK".
StartTls::Action StartTls::imap(std::string_view line) {
  switch (state_) {
    case State::kGreeting:
      if (!startsWith(upper(line), "* OK")) {
        return fail(fmt::format("the IMAP server did not greet with * OK: {}", quotePrefix(line)));
      }
      state_ = State::kStartTls;
      return {Step::kWrite, "a1 STARTTLS\r\n"};
    case State::kStartTls:
      if (startsWith(line, "* ")) {
        return {Step::kRead, {}};  // untagged data before the answer
      }
      if (!startsWith(upper(line), "A1 OK")) {
        return fail(fmt::format("the IMAP server refused STARTTLS: {}", quotePrefix(line)));
      }
      return {Step::kUpgrade, {}};
    case State::kEhlo:
      break;
  }
  return fail("unexpected state");
}

// RFC 2595: "+OK" greeting, "STLS", "+OK".
StartTls::Action StartTls::pop3(std::string_view line) {
  switch (state_) {
    case State::kGreeting:
      if (!startsWith(line, "+OK")) {
        return fail(fmt::format("the POP3 server did not greet with +OK: {}", quotePrefix(line)));
      }
      state_ = State::kStartTls;
      return {Step::kWrite, "STLS\r\n"};
    case State::kStartTls:
      if (!startsWith(line, "+OK")) {
        return fail(fmt::format("the POP3 server refused STLS: {}", quotePrefix(line)));
      }
      return {Step::kUpgrade, {}};
    case State::kEhlo:
      break;
  }
  return fail("unexpected state");
}

}  // namespace ninevolt::checks::tls
