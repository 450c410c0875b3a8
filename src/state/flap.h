#pragma once

// Flap detection as Nagios does it: the percent of state changes over a check's last 21
// runs, recent changes weighing more; a check starts flapping above its high limit and stops
// below its low one. Counted on the alerting state after each run (what StateMachine says,
// thresholds applied), not on the raw results: flapping is about what pages, and a check
// whose thresholds absorb its blips does not page for them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ninevolt::state {

enum class CheckState;

// When a check flaps (per monitor: flap-detection, flap-low, flap-high; percents).
struct FlapLimits {
  bool enabled = true;
  int low = 25;   // stops flapping below this
  int high = 50;  // starts flapping above this
};

// The states of the last kRuns runs, packed two bits each (the newest lowest): 8 bytes per
// check. A new history holds kRuns copies of one state (no change: 0%).
class FlapHistory {
 public:
  static constexpr int kRuns = 21;

  FlapHistory() = default;
  explicit FlapHistory(CheckState filled);

  void push(CheckState state);
  // The newest first: at(0) is the last run's state.
  CheckState at(int age) const;
  // Weighted percent of state changes between consecutive runs: the oldest change weighs
  // 0.75, the newest 1.25, linearly between; 100 when every run changed state.
  double percent() const;
  bool uniform() const;

  // Text form, oldest first, one letter per run: o(k), w(arning), c(ritical) — what the
  // state key stores. parse() takes any length (untrusted: etcd): a shorter text is padded
  // at the old end with its oldest state, a longer one keeps its newest kRuns; any other
  // letter, or an empty text, is refused.
  std::string text() const;
  static std::optional<FlapHistory> parse(std::string_view text);

  bool operator==(const FlapHistory&) const = default;

 private:
  uint64_t bits_ = 0;  // state of age k in bits 2k..2k+1 (0 ok, 1 warning, 2 critical)
};

static_assert(sizeof(FlapHistory) == 8, "one word per check: 100,000 checks cost 800 KB");

// Whether a check is flapping after a run, with hysteresis: off -> on above `high`, on ->
// off below `low`; disabled limits end it.
bool flappingAfter(bool was_flapping, double percent, const FlapLimits& limits);

}  // namespace ninevolt::state
