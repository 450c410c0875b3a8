#include "store/member_digest.h"

#include "common/printable.h"
#include "store/untrusted.h"

namespace ninevolt::store {
namespace {

// A count: a non-negative integer (get<uint64_t>() would wrap -1 to 2^64 - 1).
uint64_t countAt(const nlohmann::json& j, const char* key) {
  const auto& v = j.at(key);
  if (!v.is_number_unsigned()) {
    throw nlohmann::json::type_error::create(302, std::string(key) + " is not a count", &v);
  }
  return v.get<uint64_t>();
}

}  // namespace

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
    d.checks = countAt(j, "checks");
    d.runs = countAt(j, "runs");
    d.late_total = countAt(j, "late_total");
    for (const auto& [check, l] : j.at("late").items()) {
      d.late.push_back({check, l.at("run").get<int64_t>(), l.at("lag_ms").get<int64_t>(),
                        countAt(l, "skipped")});
    }
    return d;
  } catch (const nlohmann::json::exception& e) {
    return fail(Errc::kInvalidArgument, std::string("digest: ") + e.what());
  }
}

Result<MemberDigest> decodeMemberDigest(std::string_view text) {
  auto j = decodeJson(text);
  if (!j) {
    return tl::unexpected(j.error());
  }
  return MemberDigest::fromJson(*j);
}

}  // namespace ninevolt::store
