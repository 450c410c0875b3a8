#pragma once

#include <cstdint>
#include <vector>

#include "check_target.h"

namespace ninevolt::bench {

// What the target's run log says about checks 0..checks-1. Pure functions (unit-free
// milliseconds since the epoch), used by cluster_bench after the fact.

struct Coverage {
  size_t seen = 0;          // checks that ran at least once at or after `from`
  int64_t all_seen_ms = 0;  // when the last of them ran for the first time (0: not all did)
};
Coverage firstRuns(const std::vector<RunRecord>& log, size_t checks, int64_t from_ms);

// Over [from, to): does every check run, and on exactly one member?
struct WindowStats {
  double seconds = 0;
  uint64_t runs = 0;
  size_t never_ran = 0;        // checks with no run in the window
  size_t several_members = 0;  // checks run by more than one member in the window
  size_t unknown_member = 0;   // runs without a member in the User-Agent
};
WindowStats window(const std::vector<RunRecord>& log, size_t checks, int64_t from_ms,
                   int64_t to_ms);

// A member died at kill_ms: its checks (those whose last run before kill_ms was on it) must
// run on a survivor, and no other check may change member.
struct KillStats {
  size_t victim_checks = 0;       // checks last run by the victim before the kill
  size_t resumed = 0;             // of those, run by a survivor since
  int64_t all_resumed_ms = 0;     // when the last of them first ran on a survivor (0: not all)
  int64_t max_gap_ms = 0;         // longest time between a victim run and the survivor's next
  size_t missed_a_run = 0;        // gap > 1.5 intervals: at least one due run did not happen
  size_t others_moved = 0;        // checks of survivors that ran on another member after it
  size_t victim_ran_after = 0;    // runs by the victim after the kill (must be 0)
  size_t several_new_owners = 0;  // victim checks run by more than one survivor after it
};
KillStats afterKill(const std::vector<RunRecord>& log, size_t checks, uint16_t victim,
                    int64_t kill_ms, int64_t until_ms, int64_t interval_ms);

}  // namespace ninevolt::bench
