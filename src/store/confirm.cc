#include "store/confirm.h"

#include <fmt/format.h>

#include "common/utf8.h"
#include "store/untrusted.h"

namespace ninevolt::store {
namespace {

Result<std::string> text(const nlohmann::json& j, const char* field, bool name) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_string()) {
    return fail(Errc::kInvalidArgument, fmt::format("{}: expected a string", field));
  }
  std::string v = it->get<std::string>();
  if (name) {
    if (auto problem = nameProblem(v); !problem.empty()) {
      return fail(Errc::kInvalidArgument, fmt::format("{}: {}", field, problem));
    }
  }
  return v;
}

}  // namespace

nlohmann::json ConfirmRequest::toJson() const {
  return {{"id", id}, {"check", check}, {"from", from}, {"asked", asked}};
}

Result<ConfirmRequest> ConfirmRequest::fromJson(const nlohmann::json& j) {
  if (!j.is_object()) {
    return fail(Errc::kInvalidArgument, "expected a map, got " + describeType(j));
  }
  ConfirmRequest r;
  for (auto [field, into, name] :
       {std::tuple{"id", &r.id, true}, std::tuple{"check", &r.check, true},
        std::tuple{"from", &r.from, true}, std::tuple{"asked", &r.asked, false}}) {
    auto v = text(j, field, name);
    if (!v) {
      return tl::unexpected(v.error());
    }
    *into = std::move(*v);
  }
  return r;
}

nlohmann::json ConfirmReply::toJson() const {
  return {{"id", id},   {"check", check},   {"by", by},
          {"ran", ran}, {"status", status}, {"message", message}};
}

Result<ConfirmReply> ConfirmReply::fromJson(const nlohmann::json& j) {
  if (!j.is_object()) {
    return fail(Errc::kInvalidArgument, "expected a map, got " + describeType(j));
  }
  ConfirmReply r;
  for (auto [field, into, name] :
       {std::tuple{"id", &r.id, true}, std::tuple{"check", &r.check, true},
        std::tuple{"by", &r.by, true}, std::tuple{"status", &r.status, false},
        std::tuple{"message", &r.message, false}}) {
    auto v = text(j, field, name);
    if (!v) {
      return tl::unexpected(v.error());
    }
    *into = std::move(*v);
  }
  auto ran = j.find("ran");
  if (ran == j.end() || !ran->is_boolean()) {
    return fail(Errc::kInvalidArgument, "ran: expected a boolean");
  }
  r.ran = ran->get<bool>();
  if (r.ran && r.status != "ok" && r.status != "warning" && r.status != "critical"
      && r.status != "unknown") {
    return fail(Errc::kInvalidArgument, "status: one of ok, warning, critical, unknown");
  }
  if (r.message.size() > kMaxMessage) {
    r.message = common::printable(r.message, kMaxMessage);
  }
  return r;
}

Result<ConfirmRequest> decodeConfirmRequest(std::string_view text) {
  auto j = decodeJson(text);
  if (!j) {
    return tl::unexpected(j.error());
  }
  return ConfirmRequest::fromJson(*j);
}

Result<ConfirmReply> decodeConfirmReply(std::string_view text) {
  auto j = decodeJson(text);
  if (!j) {
    return tl::unexpected(j.error());
  }
  return ConfirmReply::fromJson(*j);
}

}  // namespace ninevolt::store
