#include "api/sse.h"

#include <fmt/format.h>

namespace ninevolt::api::sse {
namespace {

void appendField(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  for (char c : value) {
    if (c != '\r' && c != '\n' && c != '\0') {
      out += c;
    }
  }
  out += '\n';
}

}  // namespace

std::string message(std::string_view event, std::string_view data, std::optional<int64_t> id) {
  std::string out;
  out.reserve(data.size() + event.size() + 40);
  if (id) {
    appendField(out, "id", std::to_string(*id));
  }
  if (!event.empty()) {
    appendField(out, "event", event);
  }
  // Split at CRLF, CR or LF; an empty data still sends one (empty) data line.
  size_t start = 0;
  while (true) {
    size_t end = data.find_first_of("\r\n", start);
    std::string_view line =
        data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    out += "data: ";
    out += line;
    out += '\n';
    if (end == std::string_view::npos) {
      break;
    }
    start = end + 1;
    if (data[end] == '\r' && start < data.size() && data[start] == '\n') {
      ++start;
    }
  }
  out += '\n';
  return out;
}

std::string comment(std::string_view text) {
  std::string out = ": ";
  for (char c : text) {
    if (c != '\r' && c != '\n') {
      out += c;
    }
  }
  out += "\n\n";
  return out;
}

}  // namespace ninevolt::api::sse
