#include "checks/exec/output.h"

#include <algorithm>

namespace ninevolt::checks::exec {

void OutputBuffer::append(std::string_view bytes) {
  total_ += bytes.size();
  size_t room = limit_ > kept_.size() ? limit_ - kept_.size() : 0;
  kept_.append(bytes.substr(0, std::min(room, bytes.size())));
}

std::string cleanLine(std::string_view line, size_t limit) {
  std::string out;
  for (char ch : line) {
    auto c = static_cast<unsigned char>(ch);
    out += (c < 0x20 || c == 0x7f) ? ' ' : ch;
  }
  size_t begin = out.find_first_not_of(' ');
  if (begin == std::string::npos) {
    return "";
  }
  out = out.substr(begin, out.find_last_not_of(' ') - begin + 1);
  if (out.size() > limit) {
    // Back to the start of the character the cut falls in (continuation bytes are
    // 10xxxxxx), so that output that was UTF-8 stays UTF-8.
    size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    out.resize(cut);
    out += "...";
  }
  return out;
}

std::string firstLine(std::string_view output) {
  while (!output.empty()) {
    size_t end = output.find('\n');
    std::string line = cleanLine(output.substr(0, end));
    if (!line.empty() || end == std::string_view::npos) {
      return line;
    }
    output.remove_prefix(end + 1);
  }
  return "";
}

}  // namespace ninevolt::checks::exec
