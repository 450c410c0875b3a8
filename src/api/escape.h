#pragma once

// Untrusted text (names, query parameters, header values, parser messages that quote the
// input) as answers show it: never invalid UTF-8 (nlohmann's dump() would throw on it, and a
// client could not read it), never a raw control character, never unbounded.

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/limits.h"

namespace ninevolt::api {

// The length of the valid UTF-8 sequence starting at text[at] (1 to 4) with its code point in
// `code_point`, or 0 when the byte there does not start one (a stray continuation byte, an
// overlong form, a surrogate, beyond U+10FFFF, or cut short by the end of the text).
size_t utf8SequenceAt(std::string_view text, size_t at, char32_t& code_point);

// True when every byte of text is part of a valid UTF-8 sequence.
bool isValidUtf8(std::string_view text);

// text with each byte that is not part of valid UTF-8 and each control character written as
// \xNN (C1 controls, valid UTF-8, as \u0085); everything else as is. Longer than max_bytes:
// cut at a character boundary, followed by "… (N bytes)". For quoting a name or a value.
std::string printable(std::string_view text, size_t max_bytes = limits::kMaxQuotedBytes);

// text with only the bytes that are not valid UTF-8 written as \xNN (whole, uncut): for
// messages, which may quote input anywhere in them.
std::string validUtf8(std::string_view text);

// value.dump() for an answer: never throws. A string that is not valid UTF-8 (a key from etcd
// written by hand) has its bad bytes replaced by U+FFFD instead of failing the whole answer.
std::string jsonText(const nlohmann::json& value);

}  // namespace ninevolt::api
