#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "alerts/alerter.h"

namespace ninevolt::alerts::transport {

// Every field of a notification as JSON, schema version 1 (docs/alerters.md, "webhook"):
// {"version":1,"kind","transition_id","check","check_type","description","target",
//  "status","previous_status","count","title","text","error","member_id","time",
//  "failing_since","link"}; times are RFC 3339 UTC, absent ones (failing_since, link) null.
// The webhook body and PagerDuty's custom_details.
nlohmann::json notificationJson(const Notification& n);

// The same fields as aligned "Name: value" lines (email body, Slack fallback), LF line ends.
std::string notificationText(const Notification& n);

// At most `max_bytes` of `text`, cut at a UTF-8 character boundary, with "…" appended when
// cut: services refuse over-long fields (Slack msg_too_long, PagerDuty's 1024-character
// summary), and an exec check's error may carry 64 KiB of plugin output.
std::string truncateUtf8(std::string_view text, size_t max_bytes);

// JSON text for a request body; invalid UTF-8 (a check's error may quote raw bytes) becomes
// U+FFFD instead of an exception.
std::string dumpJson(const nlohmann::json& value);

}  // namespace ninevolt::alerts::transport
