// The HTTP request path (src/api): raw bytes as a client sends them -> the parser and limits
// of a connection (api::parseRequest) -> target and query decoding -> the router (routes,
// methods, auth, content type) -> the /api/v1 handlers and their body parsing, over an
// in-memory etcd holding a small cluster. Every request gets an answer the server can send,
// never a 500 and never an exception out of resolve() (which runs on the loop unguarded).

#include "api/http_server.h"
#include "support/api_world.h"
#include "support/fuzz_util.h"

namespace fz = ninevolt::fuzz;

namespace {

// RFC 3986 percent-decoding, written the obvious way, against which api::percentDecode is
// checked: "%" and two hex digits is one byte; anything else stays as it is.
std::string referenceDecode(std::string_view s) {
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

fz::ApiWorld& world() {
  static auto* w = new fz::ApiWorld();  // never destroyed: libFuzzer exits without unwinding
  return *w;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fz::quietLogs();
  world();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto request = ninevolt::api::parseRequest(fz::asText(data, size), size_t{1} << 20);
  if (!request) {
    return 0;
  }
  fz::check(request->path == referenceDecode(request->raw_path),
            "the path is not the percent-decoded raw path", request->raw_path);
  fz::ApiWorld::RunScope run(world());
  auto response = world().answer(*request);
  fz::ApiWorld::checkAnswer(*request, response);
  return 0;
}
