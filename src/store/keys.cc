#include "store/keys.h"

namespace ninevolt::store {

Keys::Keys(std::string_view prefix) {
  while (!prefix.empty() && prefix.front() == '/') {
    prefix.remove_prefix(1);
  }
  while (!prefix.empty() && prefix.back() == '/') {
    prefix.remove_suffix(1);
  }
  root_ = "/" + std::string(prefix.empty() ? "9volt" : prefix);
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
