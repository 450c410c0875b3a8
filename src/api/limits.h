#pragma once

// Every limit the HTTP server puts on a request, in one place (docs/api.md, "Limits", lists
// them with the status each one gives). A request over a limit gets that status with a JSON
// error naming the limit; it never reaches a handler, and the member keeps serving.

#include <chrono>
#include <cstddef>

#include "common/yaml_json.h"

namespace ninevolt::api::limits {

// The request line and every header field together (Beast counts both): 431 Request Header
// Fields Too Large beyond it. Tokens and proxies' headers fit many times over; an attacker
// cannot make the server buffer more than this before the body.
inline constexpr size_t kMaxHeaderBytes = 16 * 1024;

// The request target (path and query, as sent): 414 URI Too Long beyond it. Names are at most
// 128 bytes and every query parameter is short; 8 KiB is also what common proxies pass on.
inline constexpr size_t kMaxTargetBytes = 8 * 1024;

// The body (after de-chunking): 413 Content Too Large beyond it, refused while the header
// is read when Content-Length says so. 1 MiB holds several thousand monitors; `9volt cfg` is
// the tool for more.
inline constexpr size_t kMaxBodyBytes = size_t{1} << 20;

// What a connection buffers of a request besides its body: the header, then each chunk's line
// (size and extensions, which HTTP does not bound) and the trailer of a chunked body. A chunk
// line that does not fit: 413. (The body itself is counted against kMaxBodyBytes.)
inline constexpr size_t kMaxBufferedBytes = kMaxHeaderBytes + 64 * 1024;

// JSON bodies: nesting deeper than this (objects and arrays inside each other), a key twice in
// one object, and numbers out of range (1e999) are refused by common::parseJson (400), whose
// limit this is, before anything else looks at the value: no handler ever copies, compares or
// prints a value of unbounded depth (all of which recurse in nlohmann).
inline constexpr int kMaxJsonDepth = common::ParseLimits::kMaxDepth;

// A connection whose next request (or the rest of one) does not arrive within this is closed,
// so that a slow or idle client cannot hold a connection; TLS gets kHandshakeTimeout for its
// handshake. (Streams have no read deadline: stream_sink.h.)
inline constexpr auto kReadTimeout = std::chrono::seconds(30);
inline constexpr auto kHandshakeTimeout = std::chrono::seconds(10);

}  // namespace ninevolt::api::limits
