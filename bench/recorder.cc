#include "recorder.h"

#include <chrono>

namespace ninevolt::bench {

const char* kindName(Kind kind) {
  switch (kind) {
    case Kind::kTcp:
      return "tcp";
    case Kind::kHttp:
      return "http";
    case Kind::kExec:
      return "exec";
    case Kind::kIcmp:
      return "icmp";
    case Kind::kOther:
      break;
  }
  return "other";
}

Kind kindOf(const std::string& check_name) {
  switch (check_name.empty() ? '\0' : check_name[0]) {
    case 't':
      return Kind::kTcp;
    case 'h':
      return Kind::kHttp;
    case 'e':
      return Kind::kExec;
    case 'i':
      return Kind::kIcmp;
    default:
      return Kind::kOther;
  }
}

KindTotals Totals::all() const {
  KindTotals sum;
  for (const auto& k : kinds) {
    sum.lag.merge(k.lag);
    sum.runs += k.runs;
    sum.ok += k.ok;
    sum.late += k.late;
    sum.duration_us += k.duration_us;
  }
  return sum;
}

Recorder::PerThread& Recorder::local() {
  // One recorder per process in the harness; the owner check keeps a second one (tests)
  // from writing into the first one's buffers.
  thread_local PerThread* mine = nullptr;
  thread_local const Recorder* owner = nullptr;
  if (mine == nullptr || owner != this) {
    std::lock_guard lock(mu_);
    threads_.push_back(std::make_unique<PerThread>());
    mine = threads_.back().get();
    owner = this;
  }
  return *mine;
}

void Recorder::onResult(const engine::RunReport& report) {
  if (!measuring_.load(std::memory_order_acquire)) {
    return;
  }
  Totals& t = local().totals;
  KindTotals& k = t.kinds[static_cast<size_t>(kindOf(report.check))];
  const int64_t lag_us = std::chrono::duration_cast<std::chrono::microseconds>(report.lag).count();
  k.lag.record(lag_us);
  k.runs++;
  k.duration_us += static_cast<double>(
      std::chrono::duration_cast<std::chrono::microseconds>(report.result.duration).count());
  if (lag_us > late_threshold_us_) {
    k.late++;
  }
  if (report.result.status == checks::Status::kOk) {
    k.ok++;
    return;
  }
  // Failures are rare on a healthy target: a map insert here is fine. Messages carry
  // addresses and timings, so cap how many distinct ones are kept.
  std::string key = std::string(kindName(kindOf(report.check))) + ": " + report.result.message;
  auto it = t.failures.find(key);
  if (it != t.failures.end()) {
    it->second++;
  } else if (t.failures.size() < kMaxMessages) {
    t.failures.emplace(std::move(key), 1);
  } else {
    t.failures["(other messages)"]++;
  }
}

Totals Recorder::merge() const {
  std::lock_guard lock(mu_);
  Totals out;
  for (const auto& p : threads_) {
    for (size_t i = 0; i < kKinds; ++i) {
      KindTotals& dst = out.kinds[i];
      const KindTotals& src = p->totals.kinds[i];
      dst.lag.merge(src.lag);
      dst.runs += src.runs;
      dst.ok += src.ok;
      dst.late += src.late;
      dst.duration_us += src.duration_us;
    }
    for (const auto& [msg, n] : p->totals.failures) {
      out.failures[msg] += n;
    }
  }
  return out;
}

}  // namespace ninevolt::bench
