// GET /api/v1/stream's parameters (Last-Event-ID, ?since=, ?types=) through the router, and
// the Server-Sent Events framing of what the stream sends (api/sse.h). The input is three
// parts separated by "\n--\n": the Last-Event-ID header, the query string, then data for
// one message (its first line is also used as event name and id text). A parameter is
// accepted or answered 400; a framed message, read back as an EventSource reads it, holds
// exactly the data sent and no other field.

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "api/request.h"
#include "api/sse.h"
#include "support/api_world.h"
#include "support/fuzz_util.h"

namespace api = ninevolt::api;
namespace fz = ninevolt::fuzz;

namespace {

fz::ApiWorld& world() {
  static auto* w = new fz::ApiWorld();
  return *w;
}

struct Parsed {
  std::vector<std::pair<std::string, std::string>> fields;  // in order, "data" lines joined
  size_t messages = 0;
};

// The WHATWG event stream interpretation: lines end at CRLF, LF or CR; "field: value"
// (one leading space dropped); a blank line ends a message; ':' lines are comments.
Parsed readStream(std::string_view s) {
  Parsed out;
  std::string data;
  bool has_data = false;
  size_t i = 0;
  while (i < s.size()) {
    size_t end = s.find_first_of("\r\n", i);
    if (end == std::string_view::npos) {
      fz::violated("a framed message does not end with a line break", s);
    }
    std::string_view line = s.substr(i, end - i);
    i = end + ((s[end] == '\r' && end + 1 < s.size() && s[end + 1] == '\n') ? 2 : 1);
    if (line.empty()) {
      if (has_data) {
        out.fields.emplace_back("data", data);
      }
      out.messages++;
      data.clear();
      has_data = false;
      continue;
    }
    if (line.front() == ':') {
      continue;
    }
    auto colon = line.find(':');
    std::string name(line.substr(0, colon));
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
    if (name == "data") {
      if (has_data) {
        data += '\n';
      }
      data += value;
      has_data = true;
    } else {
      out.fields.emplace_back(name, std::string(value));
    }
  }
  return out;
}

// What a client must read back as the data: every line break (CRLF, CR, LF) one LF.
std::string normalized(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out += '\n';
      if (i + 1 < s.size() && s[i + 1] == '\n') {
        ++i;
      }
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string withoutBreaks(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != '\r' && c != '\n' && c != '\0') {
      out += c;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fz::quietLogs();
  world();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fz::Parts parts(fz::asText(data, size));
  // 1. The route's parameters.
  api::Request request;
  request.method = "GET";
  api::parseTarget("/api/v1/stream?" + std::string(parts.part(1)), request);
  if (parts.size() > 1 || !parts.part(0).empty()) {
    request.headers["last-event-id"] = std::string(parts.part(0));
  }
  auto response = world().answer(request);
  fz::ApiWorld::checkAnswer(request, response);
  fz::check(response.status == 200 || response.status == 400,
            "GET /api/v1/stream answered neither 200 nor 400", response.body);
  fz::check((response.status == 200) == static_cast<bool>(response.stream),
            "a 200 stream answer without a stream (or a 400 with one)", response.body);

  // 2. The framing.
  std::string_view body = parts.part(2);
  std::string_view first = body.substr(0, body.find('\n'));
  std::optional<int64_t> id;
  if (first.size() >= 8) {
    int64_t v = 0;
    std::memcpy(&v, first.data(), sizeof v);
    id = v;
  }
  std::string framed = api::sse::message(first, body, id);
  auto read = readStream(framed);
  fz::check(read.messages == 1, "one framed message reads as several (or none)", framed);
  for (const auto& [name, value] : read.fields) {
    if (name == "data") {
      fz::check(value == normalized(body), "the data read back differs from the data sent", framed);
    } else if (name == "event") {
      fz::check(value == withoutBreaks(first), "the event name read back differs", framed);
    } else if (name == "id") {
      fz::check(id.has_value() && value == std::to_string(*id), "the id read back differs", framed);
    } else {
      fz::violated("a framed message holds a field nobody sent", framed);
    }
  }
  auto comment = api::sse::comment(body);
  auto comments = readStream(comment);
  fz::check(comments.fields.empty(), "a comment carries a field", comment);
  return 0;
}
