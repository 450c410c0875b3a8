#include "store/member_digest.h"

#include "common/printable.h"
#include "store/untrusted.h"

namespace ninevolt::store {
nlohmann::json MemberDigest::toJson() const {
  nlohmann::json listed = nlohmann::json::object();
  for (const auto& l : late) {
    listed[l.check] = {{"run", l.run}, {"lag_ms", l.lag_ms}, {"skipped", l.skipped}};
  }
  return {{"member", member},         {"date", common::formatRfc3339(date)},
          {"checks", checks},         {"runs", runs},
          {"late_total", late_total}, {"late", std::move(listed)}};
}

Result<MemberDigest> MemberDigest::fromJson(const nlohmann::json& j) {
  try {
    MemberDigest d;
    d.member = j.at("member").get<std::string>();
    auto date = common::parseRfc3339(j.at("date").get<std::string>());
    if (!date) {
      return fail(Errc::kInvalidArgument, "digest: date is not RFC 3339");
    }
    d.date = *date;
    d.checks = static_cast<uint64_t>(countIn(j.at("checks"), "checks"));
    d.runs = static_cast<uint64_t>(countIn(j.at("runs"), "runs"));
    d.late_total = static_cast<uint64_t>(countIn(j.at("late_total"), "late_total"));
    for (const auto& [check, l] : j.at("late").items()) {
      d.late.push_back({check, l.at("run").get<int64_t>(), l.at("lag_ms").get<int64_t>(),
                        static_cast<uint64_t>(countIn(l.at("skipped"), "skipped"))});
    }
    return d;
  } catch (const nlohmann::json::exception& e) {
    return fail(Errc::kInvalidArgument, std::string("digest: ") + e.what());
  }
}

Result<MemberDigest> decodeMemberDigest(std::string_view text) {
  return decodeRecord<MemberDigest>(text);
}

}  // namespace ninevolt::store
