#include "alerts/transport/notification_format.h"

#include <fmt/format.h>

#include "common/clock.h"
#include "common/duration.h"

namespace ninevolt::alerts::transport {

nlohmann::json notificationJson(const Notification& n) {
  using nlohmann::json;
  json j{
      {"version", 1},
      {"kind", notificationKindName(n.kind)},
      {"transition_id", n.transition_id},
      {"check", n.check},
      {"check_type", n.check_type},
      {"description", n.description},
      {"target", n.target},
      {"status", n.status},
      {"previous_status", n.previous_status},
      {"count", n.count},
      {"title", n.title},
      {"text", n.text},
      {"error", n.error},
      {"member_id", n.member_id},
      {"time", common::formatRfc3339(n.time)},
      {"failing_since", n.failing_since ? json(common::formatRfc3339(*n.failing_since)) : json()},
      {"link", n.link.empty() ? json() : json(n.link)},
      {"ack_link", n.ack_link.empty() ? json() : json(n.ack_link)},
      {"acked_by", n.acked_by.empty() ? json() : json(n.acked_by)},
      {"ack_comment", n.ack_comment.empty() ? json() : json(n.ack_comment)},
  };
  if (n.storm) {  // kind digest only: an alert storm's changes
    const StormDigest& d = *n.storm;
    json checks = json::array();
    for (const auto& [check, status] : d.checks) {
      checks.push_back({{"check", check}, {"status", status}});
    }
    j["storm"] = {{"alerter", d.alerter},
                  {"storm", d.storm},
                  {"digest", d.n},
                  {"critical", d.critical},
                  {"warning", d.warning},
                  {"recovered", d.recovered},
                  {"still_failing", d.still_failing},
                  {"checks", std::move(checks)},
                  {"more", d.more},
                  {"threshold", d.threshold},
                  {"window", common::formatDuration(d.window)}};
  }
  return j;
}

std::string truncateUtf8(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) {
    return std::string(text);
  }
  constexpr std::string_view kEllipsis = "\u2026";
  size_t cut = max_bytes > kEllipsis.size() ? max_bytes - kEllipsis.size() : 0;
  // Back up over continuation bytes (10xxxxxx) so no character is split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return std::string(text.substr(0, cut)) + std::string(kEllipsis);
}

std::string dumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string notificationText(const Notification& n) {
  std::string out = n.title + "\n" + n.text + "\n\n";
  auto line = [&out](std::string_view name, std::string_view value) {
    if (!value.empty()) {
      out += fmt::format("{:<14} {}\n", fmt::format("{}:", name), value);
    }
  };
  line("Check", n.check_type.empty() ? n.check : fmt::format("{} ({})", n.check, n.check_type));
  line("Description", n.description);
  line("Target", n.target);
  line("Status", n.previous_status.empty()
                     ? n.status
                     : fmt::format("{} (was {})", n.status, n.previous_status));
  line("Count", std::to_string(n.count));
  line("Error", n.error);
  line("Member", n.member_id);
  line("Time", common::formatRfc3339(n.time));
  if (n.failing_since) {
    line("Failing since", common::formatRfc3339(*n.failing_since));
  }
  line("Link", n.link);
  line("Acknowledge", n.ack_link);
  line("Acked by", n.acked_by);
  line("Comment", n.ack_comment);
  line("Transition", n.transition_id);
  return out;
}

}  // namespace ninevolt::alerts::transport
