#pragma once

// Conversions between our plain structs and etcd's protobuf messages, and gRPC status
// -> Error mapping. Private to src/etcd.

#include <chrono>
#include <string>

#include <grpcpp/support/status.h>

#include "common/result.h"
#include "etcd/client.h"
#include "etcd/etcdserverpb/rpc.pb.h"
#include "etcd/mvccpb/kv.pb.h"

namespace ninevolt::etcd::detail {

KeyValue fromProto(const mvccpb::KeyValue& kv);
RangeResult fromProto(const etcdserverpb::RangeResponse& response);
void toProto(const Compare& compare, etcdserverpb::Compare* out);
void toProto(const TxnOp& op, etcdserverpb::RequestOp* out);
// explicit_end non-empty: the range [key, explicit_end) whatever prefix says.
void fillRange(const std::string& key, bool prefix, std::string* out_key, std::string* range_end,
               const std::string& explicit_end = {});

// "5s", "1500ms"
std::string formatDuration(std::chrono::milliseconds d);

// "etcd put /9volt/x at http://127.0.0.1:2379: deadline exceeded after 5s".
// connected = the channel was READY when the call ended (a deadline on an unconnected
// channel is reported as kUnavailable: etcd is not reachable, rather than slow).
Error statusError(const grpc::Status& status, const std::string& op, const std::string& subject,
                  const std::string& endpoint, std::chrono::milliseconds timeout, bool connected);

}  // namespace ninevolt::etcd::detail
