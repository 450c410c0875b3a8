// The director reports cluster events: it became director, members joined and left, a
// check was orphaned and placed again (on change only). Real etcd, the director on a loop
// thread of its own as in the server.
#include <future>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "cluster/director.h"
#include "support/etcd_fixture.h"
#include "support/loop_thread.h"

namespace ninevolt::cluster {
namespace {

using namespace std::chrono_literals;
using ninevolt::testing::eventually;

class DirectorEventsTest : public ninevolt::testing::EtcdTest {
 protected:
  void SetUp() override {
    EtcdTest::SetUp();
    store_ = std::make_shared<store::Store>(client_, "9volt");
  }

  void TearDown() override {
    onLoop([this] {
      for (auto* d : {&director_, &director2_}) {
        if (*d) {
          (*d)->stop();
          d->reset();
        }
      }
    });
    loop_.join();
    EtcdTest::TearDown();
  }

  void onLoop(const std::function<void()>& fn) { loop_.onLoop(fn); }

  void putMember(const std::string& id, std::vector<std::string> tags, int64_t lease) {
    store::MemberInfo m{.id = id, .tags = std::move(tags)};
    ASSERT_TRUE(store_->putMember(m, lease));
  }

  // Events of this kind (and about this check or member, and recorded by this director,
  // when given) seen so far.
  size_t count(const std::string& kind, const std::string& check = {},
               const std::string& member = {}, const std::string& recorder = {}) {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const auto& e : events_) {
      n += e.kind == kind && (check.empty() || e.check == check)
                   && (member.empty() || e.member == member)
                   && (recorder.empty() || e.member_id == recorder)
               ? 1
               : 0;
    }
    return n;
  }

  std::shared_ptr<store::Store> store_;
  ninevolt::testing::LoopThread loop_;  // before the loop objects: outlives them
  std::unique_ptr<Director> newDirector(const std::string& id) {
    return std::make_unique<Director>(
        loop_.io(), store_,
        Director::Options{
            .member_id = id, .debounce = 10ms, .on_event = [this, id](store::Event e) {
              e.member_id = id;  // the recorder, as the event log would set it
              std::lock_guard lock(mu_);
              events_.push_back(std::move(e));
            }});
  }

  std::unique_ptr<Director> director_;
  std::unique_ptr<Director> director2_;
  std::mutex mu_;
  std::vector<store::Event> events_;
};

TEST_F(DirectorEventsTest, ReportsDirectorMembersAndOrphansOnChangeOnly) {
  auto lease = client_->grantLease(30s);
  ASSERT_TRUE(lease);
  putMember("m1", {}, *lease);
  ASSERT_TRUE(client_->put("/9volt/monitor/plain", R"({"type":"tcp","interval":"10s"})"));
  ASSERT_TRUE(client_->put("/9volt/monitor/east",
                           R"({"type":"tcp","interval":"10s","member-tag":"east"})"));
  onLoop([&] {
    director_ = newDirector("m1");
    director_->start(*lease);
  });

  ASSERT_TRUE(eventually([&] { return count("director-changed", {}, "m1") == 1; }));
  // No member has tag east: orphaned, reported once with the check's name.
  ASSERT_TRUE(eventually([&] { return count("check-orphaned", "east") == 1; }));
  EXPECT_EQ(count("check-orphaned", "plain"), 0U);
  EXPECT_EQ(count("member-joined"), 0U);  // members present at takeover are not "joining"

  // A member with that tag joins: joined, and the orphan is placed on it.
  auto lease2 = client_->grantLease(30s);
  ASSERT_TRUE(lease2);
  putMember("m2", {"east", "lab"}, *lease2);
  ASSERT_TRUE(eventually([&] { return count("member-joined", {}, "m2") == 1; }));
  ASSERT_TRUE(eventually([&] { return count("check-placed", "east", "m2") == 1; }));

  // Other changes (a new check, a member record rewritten) report nothing new.
  ASSERT_TRUE(client_->put("/9volt/monitor/more", R"({"type":"tcp","interval":"10s"})"));
  putMember("m2", {"east", "lab"}, *lease2);
  auto placements = [&] {
    uint64_t n = 0;
    onLoop([&] { n = director_->placements(); });
    return n;
  };
  uint64_t before = placements();
  ASSERT_TRUE(client_->put("/9volt/monitor/more2", R"({"type":"tcp","interval":"10s"})"));
  ASSERT_TRUE(eventually([&] { return placements() > before; }));
  EXPECT_EQ(count("check-orphaned"), 1U);
  EXPECT_EQ(count("member-joined"), 1U);

  // It leaves (lease revoked): left, and the check is orphaned again.
  ASSERT_TRUE(client_->revokeLease(*lease2));
  ASSERT_TRUE(eventually([&] { return count("member-left", {}, "m2") == 1; }));
  ASSERT_TRUE(eventually([&] { return count("check-orphaned", "east") == 2; }));
  EXPECT_EQ(count("director-changed"), 1U);

  std::lock_guard lock(mu_);
  for (const auto& e : events_) {
    EXPECT_FALSE(e.message.empty()) << e.kind;
    EXPECT_TRUE(e.type == "info" || e.type == "warning") << e.kind << ": " << e.type;
  }
}

TEST_F(DirectorEventsTest, ASuccessorReportsADirectorThatDiedWithItsMemberRecord) {
  auto lease1 = client_->grantLease(30s);
  auto lease2 = client_->grantLease(30s);
  ASSERT_TRUE(lease1 && lease2);
  putMember("m1", {}, *lease1);
  putMember("m2", {}, *lease2);
  onLoop([&] {
    director_ = newDirector("m1");
    director_->start(*lease1);
  });
  ASSERT_TRUE(eventually([&] { return count("director-changed", {}, "m1") == 1; }));
  onLoop([&] {
    director2_ = newDirector("m2");
    director2_->start(*lease2);
  });

  // m1 dies outright: its director key and member record vanish in one revision, so the
  // member watch of m2 (not the director then) never sees m1 leave. (m1's Director object
  // lives on in this process and may report the record going before it steps down: only
  // m2's reports count.)
  ASSERT_TRUE(client_->revokeLease(*lease1));
  ASSERT_TRUE(eventually([&] { return count("director-changed", {}, "m2") == 1; }));
  ASSERT_TRUE(eventually([&] { return count("member-left", {}, "m1", "m2") == 1; }));
  std::lock_guard lock(mu_);
  for (const auto& e : events_) {
    if (e.member == "m2" && e.kind == "director-changed") {
      EXPECT_NE(e.message.find("after m1"), std::string::npos) << e.message;
    }
  }
}

}  // namespace
}  // namespace ninevolt::cluster
