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
  // Plain http:// checks to an IP address go through the plain client (plain_client.h)
  // rather than libcurl: the same requests for half the system calls. false = curl for
  // every run (tests compare the two). The factory also turns it off when the environment
  // names a proxy (http_proxy, all_proxy, ALL_PROXY), which only curl honours.
  bool plain_client = true;
};

// The factory for `type: http` monitors. Each check runs on the io_context it is created
// for: plain http to an IP address through the plain client (plain_client.h), the rest
// through that loop's libcurl multi handle (an asio service, one per loop). Checks must be
// destroyed before their io_context. The first run that needs curl loads libcurl.so.4
// (dlopen) and calls curl_global_init (see curl_library.h); the factory loads nothing.
std::unique_ptr<CheckFactory> makeHttpCheckFactory(HttpOptions options = {});

// For addBuiltinChecks (src/checks/builtin.h): the defaults with the context's User-Agent.
std::unique_ptr<CheckFactory> makeFactory(const FactoryContext& context);

}  // namespace ninevolt::checks::http
