#include "alerts/storm.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "alerts/notification.h"

namespace ninevolt::alerts {
namespace {

using std::chrono::milliseconds;

int64_t unixMs(common::SystemTime t) {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

int64_t slotMs(const StormLimits& limits) {
  return std::max<int64_t>(1, std::chrono::duration_cast<milliseconds>(limits.window).count() / 20);
}

bool failure(NotificationKind kind) {
  return kind == NotificationKind::kWarning || kind == NotificationKind::kCritical;
}

const char* statusOf(NotificationKind kind) {
  return kind == NotificationKind::kCritical  ? "critical"
         : kind == NotificationKind::kWarning ? "warning"
                                              : "ok";
}

std::optional<int64_t> stormNumber(const std::string& text) {
  int64_t n = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, n);
  if (ec != std::errc() || p != end || n < 1) {
    return std::nullopt;
  }
  return n;
}

// Counts read from etcd may be anything up to what the record accepts: they stop there.
constexpr int64_t kTop = StormRecord::kTop;
void bump(int64_t& count) {
  count = count < kTop ? count + 1 : kTop;
}

void add(StormBatch& batch, const std::string& check, NotificationKind kind,
         common::SystemTime now) {
  if (batch.empty()) {
    batch.first = now;
  }
  bump(kind == NotificationKind::kCritical  ? batch.critical
       : kind == NotificationKind::kWarning ? batch.warning
                                            : batch.recovered);
  if (batch.checks.size() < StormBatch::kMaxNamed) {
    batch.checks.emplace_back(check, statusOf(kind));
  } else {
    bump(batch.more);
  }
}

// Times read from etcd may be centuries away: compared without subtracting them from now.
common::SystemTime before(common::SystemTime now, common::Nanos d) {
  return now - std::chrono::duration_cast<common::SystemTime::duration>(d);
}

void worsen(Storm& storm, NotificationKind kind) {
  if (kind == NotificationKind::kCritical) {
    storm.worst = "critical";
  }
}

// The storm new failures go to: the newest, if its last failure is less than a window ago;
// else a new one (nullptr when every kept storm still has a digest to send: the failure is
// then sent on its own rather than forgetting one).
Storm* currentStorm(StormRecord& r, common::SystemTime now, const StormLimits& limits,
                    int64_t& number) {
  if (auto it = r.storms.find(r.last_storm);
      it != r.storms.end() && it->second.last > before(now, limits.window)) {
    number = it->first;
    return &it->second;
  }
  while (r.storms.size() >= StormRecord::kMaxStorms) {
    auto old = std::find_if(r.storms.begin(), r.storms.end(), [](const auto& s) {
      return s.second.pending.empty() && !s.second.outbox;
    });
    if (old == r.storms.end()) {
      return nullptr;
    }
    r.storms.erase(old);
  }
  if (r.last_storm >= kTop) {
    return nullptr;  // a number etcd held that cannot count on
  }
  number = std::max(r.last_storm + 1, std::min(unixMs(now), kTop));
  r.last_storm = number;
  Storm& s = r.storms[number];
  s.since = now;
  s.last = now;
  return &s;
}

}  // namespace

bool passesStorm(const StormInput& in) {
  return failure(in.kind) || (in.kind == NotificationKind::kResolve && !in.digest_of.empty());
}

std::string passStorm(StormRecord& r, const StormInput& in, common::SystemTime now,
                      const StormLimits& limits) {
  if (!passesStorm(in)) {
    return "";
  }
  pruneStorms(r, now, limits);
  // A check a storm carries stays in it, for its next level and its recovery.
  if (auto n = stormNumber(in.digest_of)) {
    if (auto it = r.storms.find(*n); it != r.storms.end()) {
      Storm& s = it->second;
      add(s.pending, in.check, in.kind, now);
      if (failure(in.kind)) {
        s.last = now;
        worsen(s, in.kind);
      } else {
        s.open = std::max<int64_t>(0, s.open - 1);
      }
      return std::to_string(*n);
    }
  }
  if (!failure(in.kind) || !limits.on()) {
    return "";  // its storm is forgotten (or storms are off): sent on its own
  }
  const int64_t ms = unixMs(now);
  const int64_t slot = slotMs(limits);
  const int64_t start = ms - ms % slot;
  if (!r.recent.contains(start) && r.recent.size() >= StormRecord::kMaxSlots) {
    r.recent.erase(r.recent.begin());  // never more than a record may hold
  }
  int64_t& in_slot = r.recent[start];
  in_slot = std::min<int64_t>(in_slot + 1, 1'000'000'000);
  int64_t total = 0;
  for (const auto& [start, count] : r.recent) {
    total += count;
  }
  if (total <= limits.threshold || in.alone) {
    return "";
  }
  int64_t number = 0;
  Storm* s = currentStorm(r, now, limits, number);
  if (s == nullptr) {
    return "";
  }
  add(s->pending, in.check, in.kind, now);
  s->last = now;
  bump(s->open);
  worsen(*s, in.kind);
  return std::to_string(number);
}

std::optional<DigestClaim> claimDigest(
    StormRecord& r, common::SystemTime now, const StormLimits& limits, const std::string& member,
    const std::function<bool(int64_t, const StormOutbox&)>& claimable) {
  for (auto& [number, s] : r.storms) {
    if (s.outbox) {
      if (claimable(number, *s.outbox)) {
        s.outbox->by = member;
        s.outbox->at = now;
        return DigestClaim{number, *s.outbox};
      }
      continue;  // its digests go out in order
    }
    if (!s.pending.empty() && s.pending.first <= before(now, limits.gather)
        && s.digests < kTop) {  // as nextDigestDue()
      StormOutbox out;
      out.n = ++s.digests;
      out.batch = std::move(s.pending);
      out.still_failing = s.open;
      out.worst = s.worst;
      out.by = member;
      out.at = now;
      s.pending = {};
      s.outbox = out;
      return DigestClaim{number, std::move(out)};
    }
  }
  return std::nullopt;
}

bool finishDigest(StormRecord& r, int64_t storm, int64_t n) {
  auto it = r.storms.find(storm);
  if (it == r.storms.end() || !it->second.outbox || it->second.outbox->n != n) {
    return false;
  }
  it->second.outbox.reset();
  return true;
}

void pruneStorms(StormRecord& r, common::SystemTime now, const StormLimits& limits) {
  const int64_t now_ms = unixMs(now);
  const int64_t oldest = now_ms - std::chrono::duration_cast<milliseconds>(limits.window).count();
  const int64_t slot = slotMs(limits);
  std::erase_if(r.recent, [&](const auto& e) {
    return e.first + slot <= oldest || e.first > now_ms;  // old, or of a clock ahead
  });
  auto notAhead = [now](common::SystemTime& t) { t = std::min(t, now); };
  for (auto& [number, s] : r.storms) {
    notAhead(s.since);
    notAhead(s.last);
    notAhead(s.pending.first);
    if (s.outbox) {
      notAhead(s.outbox->at);
    }
  }
  std::erase_if(r.storms, [&](const auto& e) {
    const Storm& s = e.second;
    if (s.last <= before(now, kStormMemory)) {
      return true;  // a week without a failure: whatever it still holds is history
    }
    return s.pending.empty() && !s.outbox && s.open == 0 && s.last <= before(now, limits.window);
  });
}

bool emptyRecord(const StormRecord& r) {
  return r.recent.empty() && r.storms.empty();
}

std::optional<common::SystemTime> nextDigestDue(const StormRecord& r, const StormLimits& limits) {
  std::optional<common::SystemTime> due;
  for (const auto& [number, s] : r.storms) {
    if (!s.pending.empty() && !s.outbox && s.digests < kTop) {  // as claimDigest()
      const auto gather = std::chrono::duration_cast<common::SystemTime::duration>(limits.gather);
      const auto t = s.pending.first < common::SystemTime::max() - gather
                         ? s.pending.first + gather
                         : common::SystemTime::max();  // a time etcd held: no overflow
      if (!due || t < *due) {
        due = t;
      }
    }
  }
  return due;
}

Notification digestNotification(const std::string& alerter, const DigestClaim& claim,
                                const StormLimits& limits, const std::string& member_id,
                                const std::string& external_url, common::SystemTime now) {
  const StormBatch& b = claim.outbox.batch;
  const int64_t open = claim.outbox.still_failing;
  Notification n;
  n.kind = NotificationKind::kDigest;
  n.check = fmt::format("storm/{}/{}", alerter, claim.storm);
  n.transition_id = fmt::format("{}/{}", n.check, claim.outbox.n);
  n.check_type = "storm";
  n.status = open == 0 ? "ok" : claim.outbox.worst;
  n.count = static_cast<int>(std::min<int64_t>(b.changes(), std::numeric_limits<int>::max()));
  if (b.critical + b.warning > 0) {
    n.title = fmt::format("Alert storm: {} check{} failing", open, open == 1 ? "" : "s");
  } else if (open == 0) {
    n.title = "Alert storm over: every check in it recovered";
  } else {
    n.title = fmt::format("Alert storm: {} recovered, {} still failing", b.recovered, open);
  }
  std::vector<std::string> counts;
  for (auto [count, what] : {std::pair{b.critical, "critical"}, std::pair{b.warning, "warning"},
                             std::pair{b.recovered, "recovered"}}) {
    if (count > 0) {
      counts.push_back(fmt::format("{} {}", count, what));
    }
  }
  std::vector<std::string> names;
  for (const auto& [check, status] : b.checks) {
    names.push_back(fmt::format("{} ({})", check, status));
  }
  n.text = fmt::format("{} state change{} in this digest: {}. {}{}.", b.changes(),
                       b.changes() == 1 ? "" : "s", fmt::join(counts, ", "), fmt::join(names, ", "),
                       b.more > 0 ? fmt::format(" and {} more", b.more) : "");
  n.text += fmt::format(
      " Alerts to '{}' are sent as digests while more than {} checks fail within {} "
      "(storm {}, digest {}).",
      alerter, limits.threshold, common::formatDuration(limits.window), claim.storm,
      claim.outbox.n);
  n.member_id = member_id;
  n.time = now;
  n.link = externalLink(external_url, "/ui/#/checks?status=critical%2Cwarning");
  StormDigest d;
  d.alerter = alerter;
  d.storm = claim.storm;
  d.n = claim.outbox.n;
  d.critical = b.critical;
  d.warning = b.warning;
  d.recovered = b.recovered;
  d.still_failing = open;
  d.checks = b.checks;
  d.more = b.more;
  d.threshold = limits.threshold;
  d.window = limits.window;
  n.storm = std::move(d);
  return n;
}

}  // namespace ninevolt::alerts
