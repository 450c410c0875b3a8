#include "state/flap.h"

#include "state/state_machine.h"

namespace ninevolt::state {
namespace {

constexpr uint64_t kMask = (uint64_t{1} << (2 * FlapHistory::kRuns)) - 1;

uint64_t code(CheckState s) {
  switch (s) {
    case CheckState::kOk:
      return 0;
    case CheckState::kWarning:
      return 1;
    case CheckState::kCritical:
      return 2;
  }
  return 0;
}

char letter(CheckState s) {
  switch (s) {
    case CheckState::kOk:
      return 'o';
    case CheckState::kWarning:
      return 'w';
    case CheckState::kCritical:
      return 'c';
  }
  return 'o';
}

std::optional<CheckState> ofLetter(char c) {
  switch (c) {
    case 'o':
      return CheckState::kOk;
    case 'w':
      return CheckState::kWarning;
    case 'c':
      return CheckState::kCritical;
    default:
      return std::nullopt;
  }
}

}  // namespace

FlapHistory::FlapHistory(CheckState filled) {
  for (int i = 0; i < kRuns; ++i) {
    push(filled);
  }
}

void FlapHistory::push(CheckState state) {
  bits_ = ((bits_ << 2) | code(state)) & kMask;
}

CheckState FlapHistory::at(int age) const {
  switch ((bits_ >> (2 * age)) & 3) {
    case 1:
      return CheckState::kWarning;
    case 2:
      return CheckState::kCritical;
    default:
      return CheckState::kOk;
  }
}

double FlapHistory::percent() const {
  // Nagios (flapping.c): changes between consecutive entries, weighted from 0.75 (oldest)
  // to 1.25 (newest), over the kRuns - 1 possible changes.
  constexpr int kChanges = kRuns - 1;
  double weighted = 0;
  for (int age = 0; age < kChanges; ++age) {
    if (at(age) != at(age + 1)) {
      const int from_oldest = kChanges - 1 - age;
      weighted += 0.75 + from_oldest * (0.5 / (kChanges - 1));
    }
  }
  return weighted * 100.0 / kChanges;
}

bool FlapHistory::uniform() const {
  for (int age = 1; age < kRuns; ++age) {
    if (at(age) != at(0)) {
      return false;
    }
  }
  return true;
}

std::string FlapHistory::text() const {
  std::string out(kRuns, 'o');
  for (int age = 0; age < kRuns; ++age) {
    out[kRuns - 1 - age] = letter(at(age));
  }
  return out;
}

std::optional<FlapHistory> FlapHistory::parse(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  for (char c : text) {
    if (!ofLetter(c)) {
      return std::nullopt;
    }
  }
  if (text.size() > static_cast<size_t>(kRuns)) {
    text.remove_prefix(text.size() - kRuns);
  }
  FlapHistory h(*ofLetter(text.front()));
  for (char c : text) {
    h.push(*ofLetter(c));
  }
  return h;
}

bool flappingAfter(bool was_flapping, double percent, const FlapLimits& limits) {
  if (!limits.enabled) {
    return false;
  }
  return was_flapping ? percent >= limits.low : percent > limits.high;
}

}  // namespace ninevolt::state
