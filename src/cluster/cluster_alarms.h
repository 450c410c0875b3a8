#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cluster/alarm_hooks.h"
#include "cluster/lifetime.h"
#include "cluster/placement.h"
#include "config/spec.h"
#include "state/state_machine.h"
#include "store/store.h"

namespace ninevolt::cluster {

// Monitoring the monitor (cluster config `cluster-alerter`; docs/locations.md): conditions of
// the cluster itself, each alerted once when it starts and once when it clears, exactly once
// across director changes. Each condition is a check of its own to the alert dispatcher,
// named under the reserved prefix `9volt.` (no monitor may be named so), so it has an incident
// (/9volt/incident/9volt.<...>) written before anything is sent, like any check's:
//   9volt.member-lost.<id>  a member's record went without its saying it was leaving (its
//                           lease expired: killed, frozen, cut off from etcd); clears when a
//                           member with that id registers again
//   9volt.orphans           checks no member may run, continuously for `orphan-grace`;
//                           clears when there are none
//   9volt.etcd-alarm        etcd reports an alarm (NOSPACE, CORRUPT) to the director's probe
//   9volt.member-degraded.<id>  a member says its canaries fail (cluster/canaries.h); clears
//                           when they pass again or the member goes
//   9volt.no-director       raised by a member that is not the director (no_director.h);
//                           the director finds it (looking every `sweep`), adopts it and
//                           clears it
// The director raises them (while a cluster alerter is set) and clears them. A new director adopts
// the open ones (what they left unsettled is sent again under the same transition ids) and clears
// what no longer holds; a director stepping down releases them. Runs on the cluster loop.
class ClusterAlarms {
 public:
  static constexpr std::string_view kPrefix = "9volt.";
  struct Options {
    std::string member_id;
    std::chrono::milliseconds orphan_grace{std::chrono::minutes(5)};
    // How often the director looks for a 9volt.no-director incident (the first look a few
    // seconds after it became the director: a raise may still be on its way then).
    std::chrono::milliseconds sweep{std::chrono::seconds(15)};
    AlarmHooks alerts;
  };

  ClusterAlarms(boost::asio::io_context& io, std::shared_ptr<store::Store> store, Options options);
  ClusterAlarms(const ClusterAlarms&) = delete;
  ClusterAlarms& operator=(const ClusterAlarms&) = delete;

  void directorChanged(bool director);  // loop
  void memberLost(const MemberView& member);
  void memberJoined(const MemberView& member);
  void memberDegraded(const MemberView& member);          // its flag as it is now
  void orphans(const std::vector<std::string>& orphans);  // after each placement
  void etcdProblem(const std::string& problem);           // the probe's, every second
  void setOrphanGrace(std::chrono::milliseconds grace);
  // Whether a cluster alerter is set: without one nothing is raised (no incident is kept for
  // nobody); what is open still clears. Loop.
  void setEnabled(bool enabled) { enabled_ = enabled; }

  // The spec the dispatcher is given for a condition (`monitor_of`): its alerter is the
  // cluster alerter ("" = nobody is told; the incident is still kept).
  static config::SharedMonitor specOf(const std::string& name, const std::string& alerter);
  static bool isAlarm(std::string_view name) { return name.starts_with(kPrefix); }

  const std::set<std::string>& open() const { return open_; }  // loop (tests)

 private:
  void adoptOpen();  // loop: after becoming the director
  void raise(const std::string& name, const std::string& message);
  void clear(const std::string& name, const std::string& message);
  void armOrphanTimer();
  void armSweep(std::chrono::milliseconds after);
  // A 9volt.no-director incident, raised by a member while there was none: adopted (what
  // its raiser left unsettled is sent again) and cleared.
  void sweepNoDirector();

  boost::asio::io_context& io_;
  std::shared_ptr<store::Store> store_;
  Options options_;
  bool director_ = false;
  bool enabled_ = false;
  std::set<std::string> open_;  // conditions open (raised or adopted) while director
  std::set<std::string> live_;  // members seen joined since becoming director
  size_t orphan_count_ = 0;
  std::string orphan_sample_;
  std::optional<std::chrono::steady_clock::time_point> orphaned_since_;
  boost::asio::steady_timer orphan_timer_;
  boost::asio::steady_timer sweep_timer_;
  int64_t swept_revision_ = 0;    // the no-director incident's mod revision last adopted
  int64_t cleared_revision_ = 0;  // ... and the one it was cleared at
  Lifetime lifetime_;             // last: ends first
};

}  // namespace ninevolt::cluster
