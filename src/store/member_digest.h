#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/result.h"

namespace ninevolt::store {

// /9volt/cluster/digest/<member>/summary: what a member ran since its last digest, written
// every state-dump-interval on its lease by the state publisher (cluster/state_publisher.h):
// {member, date, checks, runs, late_total, late: {check: {run, lag_ms, skipped}}}. Its size
// does not depend on the number of checks (at most a fixed number of late runs is listed).
struct MemberDigest {
  struct LateRun {
    std::string check;
    int64_t run = 0;  // unix seconds of the late run
    int64_t lag_ms = 0;
    uint64_t skipped = 0;  // due times it skipped so far
  };
  std::string member;
  common::SystemTime date{};
  uint64_t checks = 0;        // checks with a state this member wrote
  uint64_t runs = 0;          // runs since the last digest
  uint64_t late_total = 0;    // checks that ran late or skipped since the last digest
  std::vector<LateRun> late;  // the latest of them

  nlohmann::json toJson() const;
  static Result<MemberDigest> fromJson(const nlohmann::json& j);
};

// A digest key's value as etcd holds it (untrusted).
Result<MemberDigest> decodeMemberDigest(std::string_view text);

}  // namespace ninevolt::store
