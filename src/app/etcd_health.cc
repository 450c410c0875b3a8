#include "app/etcd_health.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/printable.h"
#include "store/event.h"

namespace ninevolt::app {

std::string EtcdHealth::describeErrors(const std::vector<std::string>& errors) {
  std::string text;
  bool nospace = false;
  bool corrupt = false;
  for (const auto& e : errors) {
    // From etcd, so untrusted: printable and bounded.
    const std::string shown = common::printable(e, 200);
    text += text.empty() ? shown : "; " + shown;
    nospace = nospace || e.find("NOSPACE") != std::string::npos;
    corrupt = corrupt || e.find("CORRUPT") != std::string::npos;
  }
  std::string out = "etcd reports: " + text;
  if (nospace) {
    out +=
        " (etcd is out of space and refuses writes: compact, defragment, then `etcdctl alarm "
        "disarm`; see docs/operations.md)";
  } else if (corrupt) {
    out += " (an etcd member's data is corrupt: replace that member; see docs/operations.md)";
  }
  return out;
}

void EtcdHealth::observe(const Result<etcd::StatusInfo>& status,
                         std::chrono::steady_clock::time_point now) {
  Kind kind = Kind::kNone;
  std::string problem;
  if (!status) {
    kind = Kind::kUnreachable;
    problem = "etcd unreachable: " + status.error().message;
  } else if (!status->errors.empty()) {
    kind = Kind::kReported;
    problem = describeErrors(status->errors);
  }
  struct Pending {
    const char* type;
    const char* kind;
    std::string message;
  };
  std::vector<Pending> events;
  {
    std::lock_guard lock(mu_);
    if (status) {
      db_size_ = status->db_size;
      db_size_in_use_ = status->db_size_in_use;
      int64_t alarms = 0;
      for (const auto& e : status->errors) {
        alarms += e.find("alarm:") != std::string::npos ? 1 : 0;
      }
      alarms_ = alarms;
    }
    if (problem == problem_) {
      return;
    }
    if (kind == Kind::kNone) {
      if (kind_ == Kind::kUnreachable) {
        auto down = std::chrono::duration_cast<std::chrono::seconds>(now - lost_at_);
        spdlog::info("etcd reachable again");
        events.push_back({store::kEventInfo, store::event_kind::kEtcdRestored,
                          fmt::format("etcd reachable again after about {}s", down.count())});
      } else {
        spdlog::info("etcd no longer reports a problem (was: {})", problem_);
        events.push_back({store::kEventInfo, store::event_kind::kEtcdRestored,
                          "etcd no longer reports a problem; it was: " + problem_});
      }
    } else if (kind == Kind::kUnreachable) {
      spdlog::warn("{}; running this member's checks while its lease can still be alive", problem);
      if (kind_ != Kind::kUnreachable) {
        // Queued: written once etcd is back, dated now.
        lost_at_ = now;
        events.push_back({store::kEventError, store::event_kind::kEtcdLost, problem});
      }
    } else {
      spdlog::error("{}", problem);
      events.push_back({store::kEventError, store::event_kind::kEtcdAlarm, problem});
    }
    kind_ = kind;
    problem_ = problem;
  }
  if (options_.on_event) {
    for (const auto& e : events) {
      options_.on_event(e.type, e.kind, e.message);
    }
  }
}

std::string EtcdHealth::problem() const {
  std::lock_guard lock(mu_);
  return problem_;
}

void EtcdHealth::renderMetrics(metrics::Writer& w) const {
  std::lock_guard lock(mu_);
  w.gauge("ninevolt_etcd_db_size_bytes",
          "Size of the etcd backend file as the member this one asks reports it (its quota, "
          "2 GiB by default, applies to this).",
          db_size_);
  w.gauge("ninevolt_etcd_db_size_in_use_bytes",
          "Of ninevolt_etcd_db_size_bytes, the part in use; the rest is freed by a "
          "defragmentation.",
          db_size_in_use_);
  w.gauge("ninevolt_etcd_alarms",
          "Alarms etcd has raised (NOSPACE: every write refused; CORRUPT), as of the last "
          "probe (every second).",
          alarms_);
}

}  // namespace ninevolt::app
