#pragma once

#include <memory>
#include <string>

#include "checks/check.h"

namespace ninevolt::checks::grpc {

// Process-wide settings of the grpc check type (not per monitor).
struct GrpcOptions {
  std::string ca_file;  // PEM CAs to trust for ssl instead of gRPC's default roots
  std::string user_agent = "9volt";
};

// The "grpc" check type: one grpc.health.v1.Health/Check call on a fresh channel per run
// (its own connection: a run says whether a new client gets through, as blackbox probes do).
// Its fields: grpc_type.h.
std::unique_ptr<CheckFactory> makeGrpcCheckFactory(GrpcOptions options = {});

// For addBuiltinChecks (src/checks/builtin.h).
std::unique_ptr<CheckFactory> makeFactory(const FactoryContext& context);

}  // namespace ninevolt::checks::grpc
