#pragma once

// What every run of a check type does the same way: time its phases, and hand its result
// to the engine without letting the engine's callback throw through the loop.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checks/check.h"

namespace ninevolt::checks {

// The phases of one run: each ends where the next begins; finish() adds "total".
class PhaseClock {
 public:
  using Clock = std::chrono::steady_clock;
  using Phases = std::vector<std::pair<std::string, Nanos>>;

  void start() { started_ = last_ = Clock::now(); }
  // Ends the phase that began at the previous end (or at start()).
  void end(const char* name) {
    const auto now = Clock::now();
    phases_.emplace_back(name, std::chrono::duration_cast<Nanos>(now - last_));
    last_ = now;
  }
  // The phases so far and "total"; the clock is empty afterwards.
  Phases finish() {
    phases_.emplace_back("total", std::chrono::duration_cast<Nanos>(Clock::now() - started_));
    return std::move(phases_);
  }

 private:
  Clock::time_point started_;
  Clock::time_point last_;
  Phases phases_;
};

// Calls `done` (if any) with `result`. A callback that throws is logged, naming the check
// type and the check ("udp check 'x': done callback threw: ..."), and goes no further.
void report(Check::DoneFn done, CheckResult result, std::string_view type,
            const std::string& check);

}  // namespace ninevolt::checks
