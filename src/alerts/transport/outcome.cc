#include "alerts/transport/outcome.h"

#include <fmt/format.h>

namespace ninevolt::alerts::transport {

std::string excerpt(std::string_view body, size_t max) {
  std::string out;
  for (char c : body) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    out += (c == '\r' || c == '\n' || c == '\t') ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') {
    out.pop_back();
  }
  return out;
}

Result<void> judgeHttpStatus(const HttpResponse& response, std::string_view what) {
  const long s = response.status;
  if (s >= 200 && s < 300) {
    return {};
  }
  std::string message = fmt::format("{}: HTTP {}", what, s);
  if (!response.retry_after.empty()) {
    message += fmt::format(", retry after {}", excerpt(response.retry_after, 40));
  }
  if (std::string body = excerpt(response.body); !body.empty()) {
    message += ": " + body;
  }
  const bool retryable = s == 408 || s == 425 || s == 429 || (s >= 500 && s < 600);
  return fail(retryable ? Errc::kUnavailable : Errc::kInvalidArgument, std::move(message));
}

}  // namespace ninevolt::alerts::transport
