// Durations (common/duration.h): any text parses or fails cleanly, and what parses
// formats to text that parses back to the same value. The first 8 bytes also go through
// formatDuration as a raw count: parseDuration(formatDuration(d)) == d for every d.

#include <cstring>

#include "common/duration.h"
#include "support/fuzz_util.h"

using ninevolt::common::formatDuration;
using ninevolt::common::Nanos;
using ninevolt::common::parseDuration;
namespace fz = ninevolt::fuzz;

namespace {

void roundTrip(Nanos d) {
  std::string text = formatDuration(d);
  auto back = parseDuration(text);
  fz::check(back.has_value(), "formatDuration's text does not parse", text);
  fz::check(*back == d, "formatDuration's text parses to another value", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = parseDuration(fz::asText(data, size));
  if (parsed) {
    roundTrip(*parsed);
  } else {
    fz::check(!parsed.error().message.empty(), "a duration error without a message");
  }
  if (size >= sizeof(int64_t)) {
    int64_t raw = 0;
    std::memcpy(&raw, data, sizeof raw);
    roundTrip(Nanos{raw});
  }
  return 0;
}
