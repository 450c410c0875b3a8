#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "recording_target.h"
#include "support/etcd_fixture.h"
#include "support/process.h"

namespace ninevolt::e2e {

using namespace std::chrono_literals;

// One `9volt server` process.
struct Member {
  std::string id;  // 8 hex digits, as the member computes it from hostname:listen
  uint16_t port = 0;
  std::vector<std::string> tags;
  std::string location;
  std::string log_file;
  std::unique_ptr<testing::Process> process;
  bool alive = true;
};

struct MemberOptions {
  std::vector<std::string> tags;
  std::string location;                // --location ("" = none)
  std::vector<std::string> endpoints;  // empty = ClusterTest::etcdEndpoints()
  std::string userpass;                // --etcd-userpass ("" = none)
};

// check name -> the members that ran it, from a list of target records.
using Runners = std::map<std::string, std::set<std::string>>;

// The end-to-end fixture: a real etcd (EtcdTest), a RecordingTarget, and 9volt members as
// separate processes (NINEVOLT_BINARY). Checks are http checks of /c/<name> on the target.
// member-ttl is the default 5 s.
class ClusterTest : public testing::EtcdTest {
 protected:
  static constexpr auto kTtl = 5s;

  void TearDown() override;

  // Where members connect (one etcd here; the 3-node fixture overrides it).
  virtual std::vector<std::string> etcdEndpoints() const { return {etcd_->endpoint()}; }

  // Starts a member and waits until its HTTP server answers (registered by then).
  Member& startMember(const MemberOptions& options = {});
  void kill9(Member& m);
  // SIGTERM and wait; the exit code must be 0.
  void stopMember(Member& m);
  Member* memberById(const std::string& id);  // the live one, else the last dead one

  // The spec of an http check of /c/<name><suffix> on the target (timeout 400ms).
  nlohmann::json checkSpec(const std::string& name, const std::string& interval,
                           const std::string& suffix = "") const;
  void putMonitor(const std::string& name, const nlohmann::json& spec);
  // An alerter of type webhook posting to `url` (a test receiver's).
  void putWebhookAlerter(const std::string& name, const std::string& url);
  // c0..c<n-1> (with the given prefix), written in batches.
  void addChecks(int n, const std::string& interval, const std::string& prefix = "c");

  // <prefix>0..<prefix><n-1>: every 2 s, the target holds each answer 1.5 s, so most of
  // them have a run in flight at any moment. A check restarted or removed while its run is
  // in flight shows up as an aborted Hit: that is how tests see restarts from outside.
  void addHeldChecks(int n, const std::string& prefix = "hold");
  std::vector<Hit> abortedSince(int64_t at_ms) const;

  // From etcd: check -> owner (assignment shards), registered members, the director.
  std::map<std::string, std::string> assignments();
  std::set<std::string> registeredMembers();
  std::string director();
  // Waits until exactly `checks` checks are assigned, over exactly `owners` members, and
  // the assignments have not changed for 300 ms.
  bool waitPlaced(size_t checks, size_t owners, std::chrono::milliseconds deadline = 30s);

  static Runners runners(const std::vector<Hit>& hits);
  // Waits until every one of `checks` ran (in records after at_ms) and then a further
  // `span`; returns the records of [at_ms, now).
  std::vector<Hit> collect(int64_t at_ms, const std::set<std::string>& checks,
                           std::chrono::milliseconds span,
                           std::chrono::milliseconds deadline = 30s);
  // Every check in `owner` ran only on its owner, over the records given.
  static void expectRunByOwnersOnly(const std::vector<Hit>& hits,
                                    const std::map<std::string, std::string>& owner);
  // check -> the longest time between two of its runs within [from_ms, to_ms], counting
  // the edges of the window as runs (a check that stopped shows its silence).
  static std::map<std::string, int64_t> longestGaps(const std::vector<Hit>& hits,
                                                    const std::set<std::string>& checks,
                                                    int64_t from_ms, int64_t to_ms);
  // The names of a map's keys.
  static std::set<std::string> keysOf(const std::map<std::string, std::string>& m);

  std::string logs() const;  // every member's log, for failure messages

  RecordingTarget target_;
  std::deque<Member> members_;  // deque: references stay valid as members are added
};

// Prints a figure the README quotes (grep for "[figure]" in the test output).
void figure(const std::string& what, double value, const std::string& unit);

}  // namespace ninevolt::e2e
