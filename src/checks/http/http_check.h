#pragma once

#include <memory>
#include <string>

#include "checks/check.h"

namespace ninevolt::checks::http {

// Process-wide settings of the http check type (not per monitor).
struct HttpOptions {
  // PEM bundle of CAs to trust instead of the system store; "" = system store. Lets tests
  // (and private deployments) trust their own CA without a config field per monitor.
  std::string ca_file;
  // Sent as User-Agent; the server sets "9volt/<version> (member <id>)" so a target's logs
  // tell which member ran the check.
  std::string user_agent = "9volt";
};

// The factory for `type: http` monitors. Each check runs on the io_context it is created
// for, through that loop's libcurl multi handle (an asio service, one per loop). Checks must
// be destroyed before their io_context. The first check created loads libcurl.so.4 (dlopen)
// and calls curl_global_init (see curl_library.h); the factory itself loads nothing.
std::unique_ptr<CheckFactory> makeHttpCheckFactory(HttpOptions options = {});

}  // namespace ninevolt::checks::http
