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
#include "state/state_machine.h"
#include "store/store.h"

namespace ninevolt::cluster {

// The cluster alert `9volt.no-director` (docs/locations.md "Monitoring the monitor"): the
// cluster has had no director for longer than member-ttl + `grace`, so nothing is placed,
// no dead member's checks move, and the director's own cluster alerts (member lost, orphans)
// cannot be raised. Only a member that is not the director can tell, so every member keeps
// this (the director's ClusterAlarms clears it once there is one).
//
// Each member counts from when its Director stopped knowing a director (the key gone, or
// holding a record that is no director's). Past the threshold, and then every `recheck`
// while it lasts, it reads the director key and the members from etcd; when etcd says there
// is none twice in a row (a recheck apart: not an ordinary hand-over's milliseconds), the
// member with the
// lowest id among the live ones raises the alert (adopting the incident first, so what an
// earlier raiser that died left unsettled is sent again: it names its owner, the grace
// applies). A member that cannot read etcd raises nothing (its lease expires; the watchdog
// covers a cluster that cannot reach etcd). The raiser keeps looking while it lasts: a
// member with a lower id that joined takes it over (the raiser lets it go), and after a
// lease loss (the dispatcher let go of everything) it is raised again. When a director
// appears the raiser lets the alert go (Dispatcher::release; not when it is the director
// itself), and the director's ClusterAlarms adopts the incident and clears it once its
// critical is settled: one owner at a time, as for any check, and one trigger and one
// resolve however many members saw the gap.
// Runs on the cluster loop.
class NoDirectorAlarm {
 public:
  static constexpr std::string_view kName = "9volt.no-director";
  struct Options {
    std::string member_id;
    std::chrono::milliseconds member_ttl{std::chrono::seconds(5)};
    std::chrono::milliseconds grace{std::chrono::seconds(5)};  // beyond member_ttl
    std::chrono::milliseconds recheck{std::chrono::seconds(2)};
    AlarmHooks alerts;
  };

  // Counts from now: a member that never learns of a director (every campaign failing) is
  // in the gap from its start.
  NoDirectorAlarm(boost::asio::io_context& io, std::shared_ptr<store::Store> store,
                  Options options);
  NoDirectorAlarm(const NoDirectorAlarm&) = delete;
  NoDirectorAlarm& operator=(const NoDirectorAlarm&) = delete;

  // Director::Options::on_known (loop).
  void directorKnown(bool known, bool self);
  void setMemberTtl(std::chrono::milliseconds ttl);
  // Whether a cluster alerter is set: without one the gap is logged, nothing raised.
  void setEnabled(bool enabled) { enabled_ = enabled; }
  // This member's lease is lost: the dispatcher has let go of the alert (loop).
  void leaseLost();
  // Stops counting (the member is stopping).
  void stop();

  bool raised() const { return raised_; }  // loop (tests)

 private:
  void arm(std::chrono::steady_clock::time_point at);
  void check();
  // Why etcd says there is no director ("" = there is one, or etcd cannot tell); `live`: the
  // live members' ids.
  std::string noDirectorWhy(const std::set<std::string>& live);
  void letGo(const std::string& why);  // release a raised alert

  boost::asio::io_context& io_;
  std::shared_ptr<store::Store> store_;
  Options options_;
  bool enabled_ = false;
  bool stopped_ = false;
  std::optional<std::chrono::steady_clock::time_point> unknown_since_;
  // When etcd first said there is none (in this gap, without a director seen since).
  std::optional<std::chrono::steady_clock::time_point> etcd_agrees_since_;
  bool logged_ = false;  // this gap was logged
  bool raised_ = false;  // raised by this member, not let go yet
  boost::asio::steady_timer timer_;
  Lifetime lifetime_;  // last: ends first
};

}  // namespace ninevolt::cluster
