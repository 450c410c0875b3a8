#include "locations/rows.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace ninevolt::locations {
namespace {

bool eligible(const Site& site, std::string_view member_tag) {
  return member_tag.empty()
         || std::find(site.tags.begin(), site.tags.end(), member_tag) != site.tags.end();
}

std::string_view statusWord(config::LocationStatus s) {
  switch (s) {
    case config::LocationStatus::kOk:
      return "ok";
    case config::LocationStatus::kWarning:
      return "warning";
    case config::LocationStatus::kCritical:
      return "critical";
    case config::LocationStatus::kUnknown:
      break;
  }
  return "unknown";
}

config::LocationStatus statusOf(std::string_view status) {
  if (status == "ok") {
    return config::LocationStatus::kOk;
  }
  if (status == "warning") {
    return config::LocationStatus::kWarning;
  }
  return status == "critical" ? config::LocationStatus::kCritical
                              : config::LocationStatus::kUnknown;
}

}  // namespace

ReplicaState ReplicaState::of(const store::CheckStateRecord& r) {
  ReplicaState s{.owner = r.owner,
                 .status = r.status,
                 .result = r.result,
                 .count = r.count,
                 .message = r.message,
                 .date = r.date,
                 .duration_ms = r.duration_ms};
  if (s.message.size() > kMaxMessage) {
    size_t cut = kMaxMessage;
    while (cut > 0 && (static_cast<unsigned char>(s.message[cut]) & 0xC0) == 0x80) {
      cut--;  // not inside a UTF-8 sequence
    }
    s.message.resize(cut);
    s.message += "...";
  }
  return s;
}

std::vector<std::string> expectedLocations(const config::LocationList& list,
                                           std::string_view member_tag, const Sites& sites) {
  if (!list.all) {
    return list.names;
  }
  std::set<std::string> out;
  for (const auto& [id, site] : sites) {
    if (eligible(site, member_tag)) {
      out.insert(site.location);
    }
  }
  return {out.begin(), out.end()};
}

std::vector<LocationRow> locationRows(const config::LocationList& list, std::string_view member_tag,
                                      const Sites& sites, const ReplicaStates& states) {
  std::vector<LocationRow> rows;
  for (const auto& location : expectedLocations(list, member_tag, sites)) {
    LocationRow row;
    row.location = location;
    auto st = states.find(location);
    if (st != states.end()) {
      row.state = st->second;
    }
    const bool anyone = std::any_of(sites.begin(), sites.end(), [&](const auto& m) {
      return m.second.location == location && eligible(m.second, member_tag);
    });
    auto owner = st != states.end() ? sites.find(st->second.owner) : sites.end();
    if (!anyone) {
      row.why = fmt::format("no live member in location '{}' may run it", location);
    } else if (st == states.end()) {
      row.why = "no result yet";
      row.pending = true;
    } else if (owner == sites.end() || owner->second.location != location) {
      row.why = fmt::format("its member {} is gone; waiting for the next one's first result",
                            st->second.owner);
      row.pending = true;
    } else if (owner->second.degraded) {
      row.why = fmt::format("its member {} is degraded (its canaries fail)", st->second.owner);
    } else {
      row.member = st->second.owner;
      row.status = statusOf(st->second.status);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

config::QuorumCount countOf(const std::vector<LocationRow>& rows) {
  config::QuorumCount c;
  for (const auto& r : rows) {
    switch (r.status) {
      case config::LocationStatus::kOk:
        c.ok++;
        break;
      case config::LocationStatus::kWarning:
        c.warning++;
        break;
      case config::LocationStatus::kCritical:
        c.critical++;
        break;
      case config::LocationStatus::kUnknown:
        c.unknown++;
        break;
    }
  }
  return c;
}

std::string summaryOf(const std::vector<LocationRow>& rows, config::Quorum quorum) {
  const auto c = countOf(rows);
  std::string out =
      fmt::format("{} of {} location(s) failing ({} raise it, {} clear it)", c.warning + c.critical,
                  rows.size(), quorum.failing, quorum.recovered);
  if (c.unknown > 0) {
    out += fmt::format(", {} unknown", c.unknown);
  }
  char sep = ':';
  for (const auto& r : rows) {
    out += fmt::format("{} {} {}", sep, r.location.empty() ? "(no location)" : r.location,
                       statusWord(r.status));
    sep = ';';
    if (r.status == config::LocationStatus::kUnknown) {
      out += " (" + r.why + ")";
    } else {
      out += " on " + r.member;
      if (r.status != config::LocationStatus::kOk && r.state) {
        out += ": " + r.state->message;
      }
    }
  }
  return out;
}

checks::CheckResult judgeResult(const std::vector<LocationRow>& rows, config::Quorum quorum,
                                std::optional<int> last) {
  std::string message = summaryOf(rows, quorum);
  const int verdict = config::judgeQuorum(countOf(rows), quorum, -1);
  const bool pending =
      std::any_of(rows.begin(), rows.end(), [](const LocationRow& r) { return r.pending; });
  switch (verdict) {
    case 2:
      return checks::CheckResult::critical(std::move(message));
    case 1:
      return checks::CheckResult::warning(std::move(message));
    case 0:
      if ((last && *last != 0) || !pending) {
        return checks::CheckResult::ok(std::move(message));
      }
      return checks::CheckResult::noVerdict(std::move(message));  // OK already: wait for all
    default:
      break;
  }
  if (last == 0 && !pending) {
    return checks::CheckResult::ok(std::move(message));  // not raised: stays OK
  }
  return checks::CheckResult::noVerdict(std::move(message));  // neither raised nor cleared
}

}  // namespace ninevolt::locations
