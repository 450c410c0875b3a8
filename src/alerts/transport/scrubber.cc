#include "alerts/transport/scrubber.h"

#include <algorithm>

#include "config/alerter_options.h"

namespace ninevolt::alerts::transport {

Scrubber::Scrubber(const config::AlerterSpec& spec) : Scrubber(config::alerterSecretValues(spec)) {}

Scrubber::Scrubber(std::vector<std::string> secrets) : secrets_(std::move(secrets)) {
  // Very short values would blank out ordinary words; config rejects empty ones and a
  // secret of one or two characters protects nothing anyway.
  std::erase_if(secrets_, [](const std::string& s) { return s.size() < 3; });
  std::sort(secrets_.begin(), secrets_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string Scrubber::scrub(std::string text) const {
  for (const auto& secret : secrets_) {
    size_t pos = 0;
    while ((pos = text.find(secret, pos)) != std::string::npos) {
      text.replace(pos, secret.size(), config::kRedacted);
      pos += config::kRedacted.size();
    }
  }
  return text;
}

Error Scrubber::scrub(Error error) const {
  error.message = scrub(std::move(error.message));
  return error;
}

Result<void> Scrubber::result(Result<void> r) const {
  if (r) {
    return r;
  }
  return tl::unexpected(scrub(std::move(r.error())));
}

}  // namespace ninevolt::alerts::transport
