#pragma once

// The pure half of the email alerter: the RFC 5322 message it sends.

#include <string>
#include <string_view>
#include <vector>

#include "alerts/alerter.h"
#include "common/clock.h"

namespace ninevolt::alerts::email {

struct MessageOptions {
  std::string from;             // as configured: "a@example.com" or "Name <a@example.com>"
  std::vector<std::string> to;  // bare addresses
  std::string alerter;          // the alerter's name (part of the Message-ID)
};

// The bare address of a From option ("Name <a@b>" -> "a@b"): the envelope sender.
std::string envelopeAddress(std::string_view from);

// RFC 5322 date in UTC, English names whatever the locale: "Wed, 18 Nov 2026 11:06:40 +0000".
std::string rfc5322Date(common::SystemTime t);

// "<md5(transition id, alerter).9volt@<from's domain>>": the same transition sent again (a
// retry, a new owner) has the same Message-ID, so mail systems can drop the duplicate.
std::string messageId(const Notification& n, std::string_view alerter, std::string_view from);

// A header value as is when it is printable ASCII, else RFC 2047 encoded words
// (=?UTF-8?B?...?=, each at most 75 characters, folded with CRLF SP).
std::string headerText(std::string_view text);

// `text` as a quoted-printable body (RFC 2045: lines of at most 76 characters, soft breaks,
// CRLF line ends).
std::string quotedPrintable(std::string_view text);

// The whole message, CRLF line ends: Date, From, To, Subject ("[CRITICAL] <title>"),
// Message-ID, MIME-Version, Content-Type text/plain; charset=utf-8,
// Content-Transfer-Encoding (7bit when the text is short-lined ASCII, else
// quoted-printable), Auto-Submitted, X-9volt-Check / -Kind / -Transition, then the body:
// transport::notificationText (title, text and every field).
std::string emailMessage(const Notification& n, const MessageOptions& options);

}  // namespace ninevolt::alerts::email
