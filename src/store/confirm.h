#pragma once

// Confirmations (monitor field `confirm`, docs/locations.md "Confirm before paging"): a member
// about to page for a check asks another member to run it once, through etcd:
//   /9volt/confirm/request/<to>/<id>    {id, check, from, asked}     on the asker's lease
//   /9volt/confirm/answer/<from>/<id>   {id, check, by, ran, status, message}  on the answerer's
// The asker deletes both when it has its answer or gives up. Through etcd rather than member
// to member: members in different places may not reach each other, and all reach etcd.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace ninevolt::store {

struct ConfirmRequest {
  std::string id;     // <asker>-<sequence>: a valid name
  std::string check;  // the monitor to run once
  std::string from;   // the asking member
  std::string asked;  // RFC 3339

  nlohmann::json toJson() const;
  // Never throws: every field a string, id/check/from valid names.
  static Result<ConfirmRequest> fromJson(const nlohmann::json& j);
};

struct ConfirmReply {
  std::string id;
  std::string check;
  std::string by;       // the member that ran it
  bool ran = false;     // false: it could not (no such monitor, busy): the asker decides alone
  std::string status;   // ok | warning | critical | unknown, when it ran
  std::string message;  // its result's, or why it did not run (cut to kMaxMessage)
  static constexpr size_t kMaxMessage = 1024;

  nlohmann::json toJson() const;
  static Result<ConfirmReply> fromJson(const nlohmann::json& j);
};

Result<ConfirmRequest> decodeConfirmRequest(std::string_view text);
Result<ConfirmReply> decodeConfirmReply(std::string_view text);

}  // namespace ninevolt::store
