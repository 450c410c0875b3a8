#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ninevolt::api::sse {

// Server-Sent Events framing (WHATWG HTML, "Server-sent events"):
//   id: 42
//   event: state
//   data: {"check":"web",...}
//   <empty line>
// Every line of `data` becomes a `data:` line of its own (CRLF, CR and LF all end a line,
// as a client splits them), so no data can end the message early or inject a field. `event`
// and `id` are single-line fields: CR, LF and NUL in them are dropped (NUL also because a
// client ignores an id holding one).
std::string message(std::string_view event, std::string_view data,
                    std::optional<int64_t> id = std::nullopt);

// A comment line (": keep-alive\n\n"); clients ignore it, proxies see traffic.
std::string comment(std::string_view text);

}  // namespace ninevolt::api::sse
