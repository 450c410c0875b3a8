#include "store/keys.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace ninevolt::store {

Keys::Keys(std::string_view prefix) {
  while (!prefix.empty() && prefix.front() == '/') {
    prefix.remove_prefix(1);
  }
  while (!prefix.empty() && prefix.back() == '/') {
    prefix.remove_suffix(1);
  }
  root_ = "/";  // appended, not "/" + std::string: GCC 12 warns falsely (-Wrestrict) on that
  root_ += prefix.empty() ? std::string_view("9volt") : prefix;
}

std::string Keys::eventTime(common::SystemTime time) {
  auto secs = std::chrono::floor<std::chrono::seconds>(time);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(time - secs).count();
  return fmt::format("{:%Y%m%dT%H%M%S}.{:06d}Z", secs, micros);
}

std::string Keys::event(common::SystemTime time, std::string_view member_id, uint64_t seq) const {
  return fmt::format("{}{}-{}-{:06d}", eventPrefix(), eventTime(time), member_id, seq);
}

std::string Keys::eventsFrom(common::SystemTime since) const {
  return eventPrefix() + eventTime(since);
}

std::optional<std::string> Keys::nameUnder(std::string_view prefix, std::string_view key) {
  if (key.size() <= prefix.size() || key.substr(0, prefix.size()) != prefix) {
    return std::nullopt;
  }
  std::string_view rest = key.substr(prefix.size());
  if (rest.find('/') != std::string_view::npos) {
    return std::nullopt;
  }
  return std::string(rest);
}

}  // namespace ninevolt::store
