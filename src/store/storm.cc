#include "store/storm.h"

#include <limits>

#include <fmt/format.h>

#include "common/duration.h"
#include "store/untrusted.h"

namespace ninevolt::store {
namespace {

using nlohmann::json;

json batchJson(const StormBatch& b) {
  json checks = json::array();
  for (const auto& [check, status] : b.checks) {
    checks.push_back({check, status});
  }
  return {{"first", common::formatRfc3339Micros(b.first)},
          {"critical", b.critical},
          {"warning", b.warning},
          {"recovered", b.recovered},
          {"checks", std::move(checks)},
          {"more", b.more}};
}

// Throws json exceptions (type errors, missing fields) for fromJson to catch.
common::SystemTime timeIn(const json& j, const char* field) {
  auto t = common::parseRfc3339(j.at(field).get<std::string>());
  if (!t) {
    throw json::other_error::create(501, fmt::format("{}: not an RFC 3339 time", field), &j);
  }
  return *t;
}

bool validStatus(const std::string& s) {
  return s == "critical" || s == "warning" || s == "ok";
}

StormBatch batchFrom(const json& j) {
  StormBatch b;
  if (j.is_null()) {
    return b;
  }
  constexpr int64_t kTop = StormRecord::kTop;
  b.critical = countIn(j.at("critical"), "critical", kTop);
  b.warning = countIn(j.at("warning"), "warning", kTop);
  b.recovered = countIn(j.at("recovered"), "recovered", kTop);
  b.more = countIn(j.at("more"), "more", kTop);
  if (!b.empty()) {
    b.first = timeIn(j, "first");
  }
  const auto& checks = j.at("checks");
  if (!checks.is_array() || checks.size() > StormBatch::kMaxNamed) {
    throw json::other_error::create(501, "batch: checks is not a list of at most 25", &j);
  }
  for (const auto& c : checks) {
    auto check = c.at(0).get<std::string>();
    auto status = c.at(1).get<std::string>();
    if (!nameProblem(check).empty() || !validStatus(status)) {
      throw json::other_error::create(501, "batch: checks: not [<check name>, <status>]", &j);
    }
    b.checks.emplace_back(std::move(check), std::move(status));
  }
  return b;
}

}  // namespace

json StormRecord::toJson() const {
  json recent_json = json::object();
  for (const auto& [slot, count] : recent) {
    recent_json[std::to_string(slot)] = count;
  }
  json storms_json = json::object();
  for (const auto& [n, s] : storms) {
    json sj{{"since", common::formatRfc3339Micros(s.since)},
            {"last", common::formatRfc3339Micros(s.last)},
            {"open", s.open},
            {"worst", s.worst},
            {"digests", s.digests},
            {"pending", batchJson(s.pending)}};
    if (s.outbox) {
      sj["outbox"] = {{"n", s.outbox->n},
                      {"batch", batchJson(s.outbox->batch)},
                      {"still-failing", s.outbox->still_failing},
                      {"worst", s.outbox->worst},
                      {"by", s.outbox->by},
                      {"at", common::formatRfc3339Micros(s.outbox->at)}};
    }
    storms_json[std::to_string(n)] = std::move(sj);
  }
  return {{"recent", std::move(recent_json)},
          {"last-storm", last_storm},
          {"storms", std::move(storms_json)}};
}

Result<StormRecord> StormRecord::fromJson(const json& j) {
  try {
    StormRecord r;
    auto number = [](const std::string& text, const char* what) {
      if (text.empty() || text.size() > 18
          || text.find_first_not_of("0123456789") != std::string::npos) {
        throw json::other_error::create(501, fmt::format("{}: not a number", what), nullptr);
      }
      return static_cast<int64_t>(std::stoll(text));
    };
    const auto& recent = j.at("recent");
    if (!recent.is_object() || recent.size() > kMaxSlots) {
      return fail(Errc::kInvalidArgument, "storm: recent: not a map of at most 64 slots");
    }
    for (const auto& [slot, count] : recent.items()) {
      r.recent[number(slot, "recent")] = countIn(count, "recent", 1'000'000'000);
    }
    r.last_storm = countIn(j.at("last-storm"), "last-storm", kTop);
    const auto& storms = j.at("storms");
    if (!storms.is_object() || storms.size() > kMaxStorms) {
      return fail(Errc::kInvalidArgument, "storm: storms: not a map of at most 16");
    }
    for (const auto& [key, sj] : storms.items()) {
      const int64_t n = number(key, "storms");
      if (n < 1 || n > r.last_storm) {
        return fail(Errc::kInvalidArgument,
                    fmt::format("storm: storms: {} is not between 1 and last-storm", n));
      }
      Storm s;
      s.since = timeIn(sj, "since");
      s.last = timeIn(sj, "last");
      s.open = countIn(sj.at("open"), "open", kTop);
      s.worst = sj.at("worst").get<std::string>();
      if (s.worst != "warning" && s.worst != "critical") {
        return fail(Errc::kInvalidArgument, "storm: worst: not warning or critical");
      }
      s.digests = countIn(sj.at("digests"), "digests", kTop);
      s.pending = batchFrom(sj.at("pending"));
      if (sj.contains("outbox") && !sj.at("outbox").is_null()) {
        const auto& o = sj.at("outbox");
        StormOutbox out;
        out.n = countIn(o.at("n"), "n", kTop);
        out.batch = batchFrom(o.at("batch"));
        out.still_failing = countIn(o.at("still-failing"), "still-failing", kTop);
        out.worst = o.at("worst").get<std::string>();
        out.by = o.at("by").get<std::string>();
        out.at = timeIn(o, "at");
        if (out.worst != "warning" && out.worst != "critical") {
          return fail(Errc::kInvalidArgument, "storm: outbox: worst: not warning or critical");
        }
        if (!nameProblem(out.by).empty()) {
          return fail(Errc::kInvalidArgument, "storm: outbox: by: not a member id");
        }
        s.outbox = std::move(out);
      }
      r.storms[n] = std::move(s);
    }
    return r;
  } catch (const json::exception& e) {
    return fail(Errc::kInvalidArgument, std::string("storm: ") + e.what());
  }
}

Result<StormRecord> decodeStormRecord(std::string_view text) {
  return decodeRecord<StormRecord>(text);
}

}  // namespace ninevolt::store
