#include "store/silence.h"

#include <algorithm>

#include <fmt/format.h>
#include <fnmatch.h>

#include "common/json_fields.h"
#include "common/printable.h"
#include "common/yaml_json.h"
#include "config/maintenance.h"
#include "config/spec.h"
#include "store/untrusted.h"

namespace ninevolt::store {
namespace {

void problem(config::Problems& out, std::string field, std::string message) {
  out.push_back({"", "silence", std::move(field), std::move(message)});
}

void checkText(config::Problems& out, const char* field, const std::string& text,
               size_t max_bytes) {
  if (text.size() > max_bytes) {
    problem(out, field, fmt::format("{} bytes; at most {}", text.size(), max_bytes));
  } else if (!common::validUtf8(text)) {
    problem(out, field, "not valid UTF-8");
  } else if (std::any_of(text.begin(), text.end(),
                         [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
    problem(out, field, "has a control character");
  }
}

}  // namespace

bool validSilenceId(std::string_view id) {
  return id.size() == Silence::kIdLength && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool Silence::matches(std::string_view check_name, const config::MonitorSpec* spec) const {
  if (spec == nullptr) {
    // Only the name is known: a silence on anything more cannot be judged, and does not hold.
    return tags.empty() && type.empty() && member_tag.empty() && matches(check_name, {}, "", "");
  }
  return matches(check_name, spec->tags, spec->typeName(), spec->member_tag);
}

bool Silence::matches(std::string_view check_name, const std::vector<std::string>& monitor_tags,
                      std::string_view monitor_type, std::string_view monitor_member_tag) const {
  if (!check.empty()
      && ::fnmatch(check.c_str(), std::string(check_name).c_str(), FNM_NOESCAPE) != 0) {
    return false;
  }
  if (!type.empty() && monitor_type != type) {
    return false;
  }
  if (!member_tag.empty() && monitor_member_tag != member_tag) {
    return false;
  }
  return std::all_of(tags.begin(), tags.end(), [&](const std::string& t) {
    return std::find(monitor_tags.begin(), monitor_tags.end(), t) != monitor_tags.end();
  });
}

config::Problems Silence::problems() const {
  config::Problems out;
  if (!validSilenceId(id)) {
    problem(
        out, "id",
        fmt::format("'{}' is not {} lowercase hex digits", common::printable(id, 40), kIdLength));
  }
  if (check.empty() && tags.empty() && type.empty() && member_tag.empty()) {
    problem(out, "check",
            "a silence needs at least one of check, tags, type, member-tag (\"check\": \"*\" "
            "silences every check)");
  }
  checkText(out, "check", check, kMaxName);
  checkText(out, "type", type, kMaxName);
  checkText(out, "member-tag", member_tag, kMaxName);
  checkText(out, "created-by", created_by, kMaxName);
  checkText(out, "comment", comment, kMaxText);
  if (tags.size() > kMaxTags) {
    problem(out, "tags", fmt::format("{} tags; at most {}", tags.size(), kMaxTags));
  }
  for (const auto& t : tags) {
    if (t.empty()) {
      problem(out, "tags", "an empty tag");
      break;
    }
    checkText(out, "tags", t, kMaxName);
  }
  if (ends <= starts) {
    problem(out, "ends",
            fmt::format("{} is not after starts {}", common::formatRfc3339(ends),
                        common::formatRfc3339(starts)));
  } else if (ends - starts < std::chrono::seconds(1)) {
    // Times are stored to the second: a shorter one would not read back as a silence.
    problem(out, "ends", "the silence is shorter than a second");
  } else if (ends - starts > kMaxLength) {
    problem(
        out, "ends",
        fmt::format("the silence is longer than {} days; at most that", kMaxLength.count() / 24));
  }
  return out;
}

nlohmann::json Silence::toJson() const {
  nlohmann::json j{{"id", id},
                   {"starts", common::formatRfc3339(starts)},
                   {"ends", common::formatRfc3339(ends)},
                   {"created", common::formatRfc3339(created)}};
  if (!check.empty()) {
    j["check"] = check;
  }
  if (!tags.empty()) {
    j["tags"] = tags;
  }
  if (!type.empty()) {
    j["type"] = type;
  }
  if (!member_tag.empty()) {
    j["member-tag"] = member_tag;
  }
  if (!comment.empty()) {
    j["comment"] = comment;
  }
  if (!created_by.empty()) {
    j["created-by"] = created_by;
  }
  return j;
}

Result<Silence> Silence::fromJson(const nlohmann::json& j) {
  if (!j.is_object()) {
    return fail(Errc::kInvalidArgument,
                fmt::format("silence: expected a JSON object, got {}", describeType(j)));
  }
  Silence s;
  std::string wrong;
  auto text = [&](const char* field, std::string& out) {
    if (const auto* v = common::findField(j, field); v != nullptr) {
      if (v->is_string()) {
        out = v->get<std::string>();
      } else if (wrong.empty()) {
        wrong = fmt::format("{}: expected a string, got {}", field, describeType(*v));
      }
    }
  };
  auto time = [&](const char* field, common::SystemTime& out, bool required) {
    std::string t;
    text(field, t);
    if (!wrong.empty() || (t.empty() && !required)) {
      return;
    }
    auto parsed = common::parseRfc3339(t);
    if (!parsed) {
      wrong = fmt::format("{}: '{}' is not an RFC 3339 time", field, common::printable(t, 40));
      return;
    }
    out = *parsed;
  };
  text("id", s.id);
  text("check", s.check);
  text("type", s.type);
  text("member-tag", s.member_tag);
  text("comment", s.comment);
  text("created-by", s.created_by);
  time("starts", s.starts, true);
  time("ends", s.ends, true);
  time("created", s.created, false);
  if (const auto* tags = common::findField(j, "tags"); tags != nullptr && wrong.empty()) {
    if (!tags->is_array() || tags->size() > kMaxTags) {
      wrong = fmt::format("tags: expected a list of at most {} strings", kMaxTags);
    } else {
      for (const auto& t : *tags) {
        if (!t.is_string()) {
          wrong = "tags: expected a list of strings";
          break;
        }
        s.tags.push_back(t.get<std::string>());
      }
    }
  }
  if (!wrong.empty()) {
    return fail(Errc::kInvalidArgument, "silence: " + wrong);
  }
  if (auto p = s.problems(); !p.empty()) {
    return fail(Errc::kInvalidArgument, p.front().toString());
  }
  return s;
}

Silence silenceOfWindow(const config::MaintenanceSpec& window,
                        const config::MaintenanceWindow* open) {
  Silence s;
  s.id = std::string(kWindowSilencePrefix) + window.name;
  s.check = window.check;
  s.tags = window.tags;
  s.type = window.type;
  s.member_tag = window.member_tag;
  if (open != nullptr) {
    s.starts = open->start;
    s.ends = open->end;
  }
  return s;
}

std::string silenceText(const Silence& silence) {
  return common::dumpJson(silence.toJson());
}

Result<Silence> decodeSilence(std::string_view text) {
  return decodeRecord<Silence>(text);
}

}  // namespace ninevolt::store
