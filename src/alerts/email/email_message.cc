#include "alerts/email/email_message.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>

#include <fmt/format.h>

#include "alerts/transport/notification_format.h"
#include "common/ids.h"

namespace ninevolt::alerts::email {
namespace {

constexpr std::string_view kCrlf = "\r\n";

bool printableAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
  });
}

std::string base64(std::string_view data) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t v = (static_cast<unsigned char>(data[i]) << 16)
                 | (static_cast<unsigned char>(data[i + 1]) << 8)
                 | static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < data.size()) {
    uint32_t v = static_cast<unsigned char>(data[i]) << 16;
    if (i + 1 < data.size()) {
      v |= static_cast<unsigned char>(data[i + 1]) << 8;
    }
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// A header value never carries a line break of its own (that would start a new header).
std::string oneLine(std::string_view text) {
  std::string out(text);
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return out;
}

// 7bit is allowed for ASCII text with lines of at most 998 characters (RFC 5322 2.1.1).
bool fitsSevenBit(std::string_view text) {
  size_t line_length = 0;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    line_length = c == '\n' ? 0 : line_length + 1;
    if (u >= 0x80 || (u < 0x20 && c != '\n' && c != '\t') || line_length > 998) {
      return false;
    }
  }
  return true;
}

std::string kindTag(NotificationKind kind) {
  switch (kind) {
    case NotificationKind::kWarning:
      return "WARNING";
    case NotificationKind::kCritical:
      return "CRITICAL";
    case NotificationKind::kResolve:
      return "RESOLVED";
    case NotificationKind::kAck:
      return "ACKNOWLEDGED";
    case NotificationKind::kReminder:
      return "REMINDER";
    case NotificationKind::kFlapping:
      return "FLAPPING";
    case NotificationKind::kFlappingStopped:
      return "FLAPPING STOPPED";
    case NotificationKind::kDigest:
      return "ALERT STORM";
  }
  return "CRITICAL";
}

}  // namespace

std::string envelopeAddress(std::string_view from) {
  size_t lt = from.find('<');
  size_t gt = from.rfind('>');
  if (lt != std::string_view::npos && gt != std::string_view::npos && gt > lt) {
    return std::string(from.substr(lt + 1, gt - lt - 1));
  }
  return std::string(from);
}

std::string rfc5322Date(common::SystemTime t) {
  static constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed",
                                                    "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000", kDays.at(tm.tm_wday), tm.tm_mday,
                     kMonths.at(tm.tm_mon), tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string messageId(const Notification& n, std::string_view alerter, std::string_view from) {
  std::string address = envelopeAddress(from);
  size_t at = address.rfind('@');
  std::string domain = at == std::string::npos ? "9volt.invalid" : address.substr(at + 1);
  // Only characters a dot-atom allows; a configured domain is that already.
  std::erase_if(domain, [](char c) {
    return !(std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-');
  });
  if (domain.empty()) {
    domain = "9volt.invalid";
  }
  return fmt::format("<{}.9volt@{}>",
                     common::md5Hex(fmt::format("{}\n{}", n.transition_id, alerter)), domain);
}

std::string headerText(std::string_view text) {
  if (printableAscii(text)) {
    return std::string(text);
  }
  // 45 bytes -> 60 base64 characters; with "=?UTF-8?B?" and "?=" a word is 72 <= 75.
  constexpr size_t kChunk = 45;
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = std::min(text.size(), pos + kChunk);
    // Never split a UTF-8 character across two words.
    while (end < text.size() && end > pos
           && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      --end;
    }
    if (!out.empty()) {
      out += "\r\n ";
    }
    out += "=?UTF-8?B?" + base64(text.substr(pos, end - pos)) + "?=";
    pos = end;
  }
  return out;
}

std::string quotedPrintable(std::string_view text) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view line =
        text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    std::string current;
    for (size_t i = 0; i < line.size(); ++i) {
      auto c = static_cast<unsigned char>(line[i]);
      const bool last = i + 1 == line.size();
      // Spaces and tabs at the end of a line would be stripped in transit: encode them.
      const bool encode =
          c == '=' || c > 126 || (c < 32 && c != '\t') || (last && (c == ' ' || c == '\t'));
      std::string piece = encode ? fmt::format("={:02X}", c) : std::string(1, static_cast<char>(c));
      if (current.size() + piece.size() > 75) {  // 75 + "=" soft break = 76
        out += current + "=" + std::string(kCrlf);
        current.clear();
      }
      current += piece;
    }
    out += current;
    if (nl == std::string_view::npos) {
      break;
    }
    out += kCrlf;
    start = nl + 1;
  }
  return out;
}

std::string emailMessage(const Notification& n, const MessageOptions& options) {
  const std::string text = transport::notificationText(n);
  const bool seven_bit = fitsSevenBit(text);
  std::string to;
  for (const auto& address : options.to) {
    to += (to.empty() ? "" : ", ") + address;
  }
  std::string m;
  auto header = [&m](std::string_view name, std::string_view value) {
    m += fmt::format("{}: {}{}", name, value, kCrlf);
  };
  header("Date", rfc5322Date(n.time));
  header("From", oneLine(options.from));
  header("To", oneLine(to));
  header("Subject", headerText(oneLine(fmt::format("[{}] {}", kindTag(n.kind), n.title))));
  header("Message-ID", messageId(n, options.alerter, options.from));
  header("MIME-Version", "1.0");
  header("Content-Type", "text/plain; charset=utf-8");
  header("Content-Transfer-Encoding", seven_bit ? "7bit" : "quoted-printable");
  // RFC 3834: out-of-office replies and other robots must not answer.
  header("Auto-Submitted", "auto-generated");
  header("X-9volt-Check", oneLine(n.check));
  header("X-9volt-Kind", notificationKindName(n.kind));
  header("X-9volt-Transition", oneLine(n.transition_id));
  m += kCrlf;
  if (seven_bit) {
    for (char c : text) {
      if (c == '\n') {
        m += kCrlf;
      } else {
        m += c;
      }
    }
  } else {
    m += quotedPrintable(text);
  }
  return m;
}

}  // namespace ninevolt::alerts::email
