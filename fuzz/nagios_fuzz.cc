// Nagios plugin output (checks/exec/nagios.h, output.h): whatever a plugin prints becomes a
// message and perfdata without a crash, and the message is one clean line (valid UTF-8 when
// the output was).

#include "checks/exec/nagios.h"
#include "checks/exec/output.h"
#include "support/fuzz_util.h"

namespace exec = ninevolt::checks::exec;
namespace fz = ninevolt::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fz::asText(data, size);
  auto out = exec::parseNagiosOutput(text);
  for (const auto& [label, value] : out.perfdata) {
    fz::check(!label.empty(), "perfdata with an empty label", text);
  }
  exec::parsePerfdata(text);
  for (auto line : {exec::firstLine(text), exec::cleanLine(text, 200), exec::cleanLine(text, 0)}) {
    for (char c : line) {
      fz::check(c != '\n' && c != '\r' && c != '\0', "a cleaned line holds a line break or NUL",
                text);
    }
  }
  // Output that is valid UTF-8 gives messages that are (cutting one must not split a
  // character): they go into JSON (state, events, alerts) and the UI.
  if (fz::validUtf8(text)) {
    fz::check(fz::validUtf8(out.message), "a message cut inside a UTF-8 character", out.message);
    for (size_t limit : {size_t{0}, size_t{1}, size_t{2}, size_t{3}, size_t{200}, size / 2}) {
      auto line = exec::cleanLine(text, limit);
      fz::check(fz::validUtf8(line), "a line cut inside a UTF-8 character", line);
    }
  }
  // The output buffer keeps at most its limit and counts everything.
  exec::OutputBuffer buffer(size / 2);
  buffer.append(text.substr(0, size / 3));
  buffer.append(text.substr(size / 3));
  fz::check(buffer.kept().size() <= size / 2, "OutputBuffer kept more than its limit");
  fz::check(buffer.total() == size, "OutputBuffer miscounted");
  return 0;
}
