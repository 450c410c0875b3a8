// The election survives etcd stalls longer than the member TTL (issue 11): etcd frozen
// (SIGSTOP/SIGCONT of its process) for 2 and 4 TTLs, five times each, under 1 and 3
// members. Every member loses its lease meanwhile and registers again after etcd's return;
// each time there must be a working director within TTL + 2 s of the return (the member the
// director key names says so on /metrics, and it is the only one), and a monitor written
// after that (at once, or 2 s later) must run within 3 s of being written. (Before the fix
// a lone member became director after the stall, then fenced itself out at its next
// placement: every new monitor stayed pending until a restart.)
#include <algorithm>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <signal.h>

#include "cluster_harness.h"

namespace ninevolt::e2e {
namespace {

using testing::eventually;
using testing::httpGet;

// A short member TTL keeps the 20 freezes of a test to about a minute.
constexpr auto kShortTtl = 2s;
constexpr int kRepeats = 5;

// etcd continued whatever happens to the test (a failed assertion while it is frozen
// would leave it stopped for the teardown).
class Frozen {
 public:
  explicit Frozen(pid_t pid) : pid_(pid) { frozen_ = kill(pid_, SIGSTOP) == 0; }
  ~Frozen() { thaw(); }
  Frozen(const Frozen&) = delete;
  Frozen& operator=(const Frozen&) = delete;
  bool frozen() const { return frozen_; }
  void thaw() {
    if (frozen_) {
      kill(pid_, SIGCONT);
      frozen_ = false;
    }
  }

 private:
  pid_t pid_;
  bool frozen_ = false;
};

class ElectionTest : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    ASSERT_TRUE(client_->put("/9volt/config", nlohmann::json{{"member-ttl", "2s"}}.dump()));
  }

  // The member id in the director key, if it holds a director's record.
  std::optional<std::string> directorKeyId() {
    auto r = client_->range("/9volt/cluster/director");
    if (!r || r->kvs.empty()) {
      return std::nullopt;
    }
    auto j = nlohmann::json::parse(r->kvs[0].value, nullptr, false);
    if (!j.is_object() || !j.contains("id") || !j["id"].is_string()) {
      return std::nullopt;
    }
    return j["id"].get<std::string>();
  }

  // Whether the member says on /metrics that it is the director; nullopt: no answer.
  std::optional<bool> saysDirector(const Member& m) {
    auto r = httpGet(m.port, "/metrics");
    if (!r || r->status != 200) {
      return std::nullopt;
    }
    if (r->body.find("\nninevolt_cluster_is_director 1") != std::string::npos) {
      return true;
    }
    return false;
  }

  // A working director: the key names a member, it says it is the director, no other does.
  std::optional<std::string> agreedDirector() {
    auto id = directorKeyId();
    if (!id) {
      return std::nullopt;
    }
    for (const auto& m : members_) {
      auto says = saysDirector(m);
      if (!says || *says != (m.id == *id)) {
        return std::nullopt;
      }
    }
    return id;
  }

  bool ranSince(const std::string& check, int64_t at_ms) {
    return runners(target_.hitsSince(at_ms)).contains(check);
  }

  void run(int members) {
    for (int i = 0; i < members; ++i) {
      startMember();
    }
    // Enough checks that every member owns some (3 members: all but certain).
    addChecks(30, "2s");
    ASSERT_TRUE(waitPlaced(30, static_cast<size_t>(members))) << logs();
    ASSERT_TRUE(eventually([&] { return agreedDirector().has_value(); })) << logs();

    const int64_t ttl_ms = std::chrono::milliseconds(kShortTtl).count();
    int64_t worst_director = 0;
    int64_t worst_monitor = 0;
    int64_t worst_later = 0;
    for (int rep = 0; rep < kRepeats; ++rep) {
      for (int factor : {2, 4}) {
        SCOPED_TRACE("repeat " + std::to_string(rep) + ", etcd frozen " + std::to_string(factor)
                     + " x TTL");
        {
          Frozen frozen(etcd_->pid());
          ASSERT_TRUE(frozen.frozen());
          const int64_t until = target_.nowMs() + factor * ttl_ms;
          eventually([&] { return target_.nowMs() >= until; }, 20s);
        }
        const int64_t up_at = target_.nowMs();

        // A director within TTL + 2 s of etcd's return...
        std::optional<std::string> director;
        ASSERT_TRUE(eventually(
            [&] {
              director = agreedDirector();
              return director.has_value();
            },
            30s))
            << logs();
        const int64_t director_at = target_.nowMs();
        EXPECT_LE(director_at - up_at, ttl_ms + 2000) << logs();
        worst_director = std::max(worst_director, director_at - up_at);

        // ... that places a monitor written after it within 3 s. After the shorter freeze
        // the monitor is written at once; after the longer one 2 s later, when whatever the
        // election left pending (a campaign retry is armed for 1 s after a failure) has
        // fired and nothing else (a placement) has re-armed it: the director must still be
        // the director then. (Before the fix that monitor stayed pending for good: the
        // retry had changed the value the director's fence compares.)
        const bool settled = factor == 4;
        if (settled) {
          eventually([&] { return target_.nowMs() >= director_at + 2000; }, 5s);
        }
        const std::string name = "new" + std::to_string(members) + "-" + std::to_string(rep) + "x"
                                 + std::to_string(factor);
        const int64_t written_at = target_.nowMs();
        putMonitor(name, checkSpec(name, "500ms"));
        ASSERT_TRUE(eventually([&] { return ranSince(name, written_at); }, 10s))
            << name << " (written " << written_at - director_at
            << " ms after the director was seen) never ran" << logs();
        const int64_t ran_after = target_.nowMs() - written_at;
        EXPECT_LE(ran_after, 3000) << name << logs();
        auto& worst = settled ? worst_later : worst_monitor;
        worst = std::max(worst, ran_after);
      }
    }
    const std::string who = std::to_string(members) + " member(s)";
    figure("etcd frozen 2-4 x TTL (2 s), " + who + ": director after etcd's return, worst",
           worst_director / 1e3, "s");
    figure("etcd frozen 2-4 x TTL (2 s), " + who + ": monitor written at once running, worst",
           worst_monitor / 1e3, "s");
    figure("etcd frozen 2-4 x TTL (2 s), " + who + ": monitor written 2 s later running, worst",
           worst_later / 1e3, "s");
  }
};

TEST_F(ElectionTest, OneMemberIsDirectorAgainAfterEachStall) {
  run(1);
}

TEST_F(ElectionTest, ThreeMembersElectADirectorAfterEachStall) {
  run(3);
}

}  // namespace
}  // namespace ninevolt::e2e
