#pragma once

// The grpc type's own monitor fields (docs/configs.md, "grpc"): what the config core reads
// for `type: grpc` and the check gets as spec.options<GrpcSpec>().

#include <map>
#include <string>

#include "config/check_type.h"

namespace ninevolt::checks::grpc {

struct GrpcSpec : config::TypeOptions {
  std::string host;
  int port = 0;
  std::string service;  // "" = the server as a whole
  bool ssl = false;
  bool tls_verify = true;
  std::string server_name;                      // name verified (and sent as SNI); default host
  std::map<std::string, std::string> metadata;  // sent with the call
};

const config::CheckTypeDef& typeDef();

}  // namespace ninevolt::checks::grpc
