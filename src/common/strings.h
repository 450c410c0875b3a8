#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ninevolt::common {

std::vector<std::string> split(std::string_view text, char sep, bool skip_empty = true);
std::string_view trim(std::string_view text);
std::string join(std::span<const std::string> parts, std::string_view sep);

// Edit distance, for "did you mean" hints.
size_t levenshtein(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is close enough to be a plausible typo
// (distance <= max(2, len/3)), else an empty string.
std::string didYouMean(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace ninevolt::common
