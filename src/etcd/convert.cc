#include "etcd/convert.h"

#include <string_view>

namespace ninevolt::etcd::detail {

KeyValue fromProto(const mvccpb::KeyValue& kv) {
  KeyValue out;
  out.key = kv.key();
  out.value = kv.value();
  out.create_revision = kv.create_revision();
  out.mod_revision = kv.mod_revision();
  out.version = kv.version();
  out.lease = kv.lease();
  return out;
}

RangeResult fromProto(const etcdserverpb::RangeResponse& response) {
  RangeResult out;
  out.kvs.reserve(response.kvs_size());
  for (const auto& kv : response.kvs()) {
    out.kvs.push_back(fromProto(kv));
  }
  out.count = response.count();
  out.more = response.more();
  out.revision = response.header().revision();
  return out;
}

void fillRange(const std::string& key, bool prefix, std::string* out_key, std::string* range_end,
               const std::string& explicit_end) {
  *out_key = key;
  if (!explicit_end.empty()) {
    *range_end = explicit_end;
  } else if (prefix) {
    // etcd treats key "\0" with range_end "\0" as "every key"; an empty prefix means that.
    if (key.empty()) {
      *out_key = std::string(1, '\0');
    }
    *range_end = prefixRangeEnd(key);
  }
}

void toProto(const Compare& compare, etcdserverpb::Compare* out) {
  using P = etcdserverpb::Compare;
  out->set_key(compare.key);
  switch (compare.op) {
    case Compare::kEqual:
      out->set_result(P::EQUAL);
      break;
    case Compare::kGreater:
      out->set_result(P::GREATER);
      break;
    case Compare::kLess:
      out->set_result(P::LESS);
      break;
    case Compare::kNotEqual:
      out->set_result(P::NOT_EQUAL);
      break;
  }
  // Each setter selects the target_union oneof case, so 0 counts as set.
  switch (compare.target) {
    case Compare::kValue:
      out->set_target(P::VALUE);
      out->set_value(compare.value_text);
      break;
    case Compare::kVersion:
      out->set_target(P::VERSION);
      out->set_version(compare.number);
      break;
    case Compare::kCreateRevision:
      out->set_target(P::CREATE);
      out->set_create_revision(compare.number);
      break;
    case Compare::kModRevision:
      out->set_target(P::MOD);
      out->set_mod_revision(compare.number);
      break;
    case Compare::kLease:
      out->set_target(P::LEASE);
      out->set_lease(compare.number);
      break;
  }
}

void toProto(const TxnOp& op, etcdserverpb::RequestOp* out) {
  switch (op.kind) {
    case TxnOp::kPut: {
      auto* put = out->mutable_request_put();
      put->set_key(op.key);
      put->set_value(op.value);
      put->set_lease(op.lease);
      break;
    }
    case TxnOp::kDelete: {
      auto* del = out->mutable_request_delete_range();
      fillRange(op.key, op.prefix, del->mutable_key(), del->mutable_range_end(), op.range_end);
      break;
    }
    case TxnOp::kGet: {
      auto* get = out->mutable_request_range();
      fillRange(op.key, op.prefix, get->mutable_key(), get->mutable_range_end(), op.range_end);
      break;
    }
  }
}

std::string formatDuration(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) {
    return std::to_string(d.count() / 1000) + "s";
  }
  return std::to_string(d.count()) + "ms";
}

namespace {

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

Error statusError(const grpc::Status& status, const std::string& op, const std::string& subject,
                  const std::string& endpoint, std::chrono::milliseconds timeout, bool connected) {
  std::string where =
      "etcd " + op + (subject.empty() ? "" : " " + subject) + " at " + endpoint + ": ";
  const std::string& msg = status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      if (!connected) {
        return {Errc::kUnavailable,
                where + "not reachable, deadline exceeded after " + formatDuration(timeout)};
      }
      return {Errc::kDeadlineExceeded,
              where + "deadline exceeded after " + formatDuration(timeout)};
    case grpc::StatusCode::UNAVAILABLE:
      return {Errc::kUnavailable, where + "unavailable: " + msg};
    case grpc::StatusCode::CANCELLED:
      return {Errc::kCancelled, where + "cancelled: " + msg};
    case grpc::StatusCode::UNAUTHENTICATED:
      return {Errc::kUnauthenticated, where + "unauthenticated: " + msg};
    case grpc::StatusCode::PERMISSION_DENIED:
      return {Errc::kPermissionDenied, where + "permission denied: " + msg};
    case grpc::StatusCode::NOT_FOUND:
      return {Errc::kNotFound, where + "not found: " + msg};
    case grpc::StatusCode::ALREADY_EXISTS:
      return {Errc::kConflict, where + "already exists: " + msg};
    case grpc::StatusCode::OUT_OF_RANGE:
      if (contains(msg, "compacted")) {
        return {Errc::kCompacted, where + "compacted: " + msg};
      }
      return {Errc::kInvalidArgument, where + "out of range: " + msg};
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
      // etcd reports a wrong password and a missing user name as InvalidArgument.
      if (contains(msg, "authentication failed") || contains(msg, "user name is empty")
          || contains(msg, "invalid auth token")) {
        return {Errc::kUnauthenticated, where + "unauthenticated: " + msg};
      }
      return {Errc::kInvalidArgument, where + "invalid argument: " + msg};
    default:
      return {
          Errc::kInternal,
          where + "error " + std::to_string(static_cast<int>(status.error_code())) + ": " + msg};
  }
}

}  // namespace ninevolt::etcd::detail
