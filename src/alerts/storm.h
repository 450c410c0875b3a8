#pragma once

#include <functional>
#include <optional>
#include <string>

#include "alerts/alerter.h"
#include "common/clock.h"
#include "common/duration.h"
#include "store/storm.h"

namespace ninevolt::alerts {

using store::Storm;
using store::StormBatch;
using store::StormOutbox;
using store::StormRecord;

// Storm digests, a cluster setting (/9volt/config: storm-threshold, storm-window): when more
// than `threshold` failures are told to one alerter within `window` (by any members), its
// further state notifications go into a digest (one message listing them) instead of one
// message each, until the rate drops; the recoveries of those checks go into digests too.
struct StormLimits {
  int64_t threshold = 0;  // 0 = off
  common::Nanos window{std::chrono::seconds(60)};
  // A digest goes out this long after the first change it carries came in (so that one
  // digest carries a burst).
  common::Nanos gather{std::chrono::seconds(10)};

  bool on() const { return threshold > 0; }
  bool operator==(const StormLimits&) const = default;
};

// A state notification to pass through its alerter's storm record.
struct StormInput {
  std::string check;
  NotificationKind kind = NotificationKind::kCritical;  // warning | critical | resolve
  std::string digest_of;  // the storm that carried the check's failure so far ("" none)
  bool alone = false;     // a failure of its incident was sent on its own (Told::alone)
};

// Whether a notification goes through the storm record at all: failures always; a resolve
// only when its failure went into a digest (a resolve of a failure sent on its own is sent
// on its own: a receiver that keys incidents by check, like PagerDuty, must see it).
bool passesStorm(const StormInput& in);

// Pure rules (no I/O, unit-tested), applied to the record as read, then written back with
// compare-and-swap by the caller:
// - a failure counts toward the alerter's rate (slots of window/20); while more than
//   `threshold` are in the window it goes into the current storm's pending digest (a storm
//   is a run of such failures less than a window apart); a check whose failure a storm
//   still carries stays in that storm (a warning turning critical is not counted twice);
// - a resolve whose failure a storm carries goes into that storm's pending digest;
// - a check told a failure on its own in this incident stays on its own (its failures still
//   count toward the rate);
// - else "": send it on its own.
// Storm numbers are unique for the cluster's life (at least the time in unix ms when the
// storm started): a forgotten record starts no storm under an old number.
// Returns the storm number (as text, for Told::digest) or "".
std::string passStorm(StormRecord& record, const StormInput& in, common::SystemTime now,
                      const StormLimits& limits);

// A digest to send: a storm's pending changes once `gather` old moved to its outbox (claimed
// by `member`), or an outbox left unsent that `claimable` says this member may take over
// (its sender died, or it is this member's from before a restart). At most one outbox per
// storm: its digests go out in order.
struct DigestClaim {
  int64_t storm = 0;
  StormOutbox outbox;
};
std::optional<DigestClaim> claimDigest(
    StormRecord& record, common::SystemTime now, const StormLimits& limits,
    const std::string& member,
    const std::function<bool(int64_t storm, const StormOutbox&)>& claimable);
// The digest was sent (or given up): its outbox goes. False when it is not there any more.
bool finishDigest(StormRecord& record, int64_t storm, int64_t n);

// Drops rate slots older than the window and storms that are over (nothing open, pending
// or unsent, and quiet for a window; or quiet for kStormMemory whatever is in them: the
// resolves of those checks then go on their own). Times in the future (another member's
// clock ahead, or written by hand) are taken as now, so that none holds a storm for good.
void pruneStorms(StormRecord& record, common::SystemTime now, const StormLimits& limits);
inline constexpr auto kStormMemory = std::chrono::hours(24 * 7);
bool emptyRecord(const StormRecord& record);
// When a pending digest is due next (nullopt: none pending).
std::optional<common::SystemTime> nextDigestDue(const StormRecord& record,
                                                const StormLimits& limits);

// The message of one digest to `alerter` (kind digest; docs/alerters.md).
Notification digestNotification(const std::string& alerter, const DigestClaim& claim,
                                const StormLimits& limits, const std::string& member_id,
                                const std::string& external_url, common::SystemTime now);

}  // namespace ninevolt::alerts
