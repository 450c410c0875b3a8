#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "config/spec.h"

namespace ninevolt::alerts::transport {

// Removes an alerter's secret values (config::alerterSecretValues) from text before it
// leaves the alerter: a receiver may echo a token in its error reply, curl may name a URL.
// Error messages go to logs, events and the API, so every error an alerter returns passes
// through here. Immutable after construction; thread-safe.
class Scrubber {
 public:
  explicit Scrubber(const config::AlerterSpec& spec);
  explicit Scrubber(std::vector<std::string> secrets);

  std::string scrub(std::string text) const;
  Error scrub(Error error) const;
  // For `return scrubber.result(doSomething());`
  Result<void> result(Result<void> r) const;

 private:
  std::vector<std::string> secrets_;  // longest first, so a secret inside another goes too
};

}  // namespace ninevolt::alerts::transport
