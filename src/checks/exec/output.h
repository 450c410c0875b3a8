#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ninevolt::checks::exec {

// Captures a child's output up to `limit` bytes and counts the rest, which is read (so the
// child never blocks on a full pipe) but dropped.
class OutputBuffer {
 public:
  explicit OutputBuffer(size_t limit) : limit_(limit) {}
  void append(std::string_view bytes);
  const std::string& kept() const { return kept_; }
  size_t total() const { return total_; }

 private:
  size_t limit_;
  std::string kept_;
  size_t total_ = 0;
};

// One line of output fit for a result message: control characters become spaces, trimmed,
// cut at `limit` bytes with "..." (before a UTF-8 character the limit falls inside, never
// in the middle of one).
std::string cleanLine(std::string_view line, size_t limit = 200);

// The first non-blank line of output, cleaned; "" when there is none.
std::string firstLine(std::string_view output);

}  // namespace ninevolt::checks::exec
