// The director's writes are fenced, and a new director rewrites nothing that is right.
// Real etcd; directors on a loop thread of their own as in the server.
#include <algorithm>
#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cluster/director.h"
#include "support/etcd_fixture.h"
#include "support/loop_thread.h"
#include "support/slowdown.h"

namespace ninevolt::cluster {
namespace {

using namespace std::chrono_literals;
using ninevolt::testing::eventually;

class DirectorFenceTest : public ninevolt::testing::EtcdTest {
 protected:
  void SetUp() override {
    EtcdTest::SetUp();
    store_ = std::make_shared<store::Store>(client_, "9volt");
  }

  void TearDown() override {
    onLoop([this] {
      for (auto& d : directors_) {
        d->stop();
      }
      directors_.clear();
    });
    loop_.join();
    EtcdTest::TearDown();
  }

  void onLoop(const std::function<void()>& fn) { loop_.onLoop(fn); }

  // A director for member `id` on its own lease, started on the loop.
  Director& startDirector(const std::string& id, Director::Options options = {}) {
    auto lease = client_->grantLease(30s);
    EXPECT_TRUE(lease);
    store::MemberInfo m{.id = id};
    EXPECT_TRUE(store_->putMember(m, *lease));
    options.member_id = id;
    options.debounce = 10ms;
    // Inserted on the loop, which is the only thread that counts into the map: another
    // director may be counting there right now.
    onLoop([&] { recomputes_[id] = 0; });
    auto user_orphans = options.on_orphans;
    options.on_orphans = [this, id, user_orphans](const std::vector<std::string>& o) {
      recomputes_.at(id)++;
      if (user_orphans) {
        user_orphans(o);
      }
    };
    Director* d = nullptr;
    onLoop([&] {
      directors_.push_back(std::make_unique<Director>(loop_.io(), store_, options));
      d = directors_.back().get();
      d->start(*lease);
    });
    return *d;
  }

  bool isDirector(Director& d) {
    bool yes = false;
    onLoop([&] { yes = d.isDirector(); });
    return yes;
  }

  // Assignment shard key -> mod revision.
  std::map<std::string, int64_t> shardRevisions() {
    std::map<std::string, int64_t> out;
    auto r = client_->range(store_->keys().allAssignmentsPrefix(), {.prefix = true});
    EXPECT_TRUE(r);
    for (const auto& kv : r->kvs) {
      out[kv.key] = kv.mod_revision;
    }
    return out;
  }

  // Every check name in any assignment shard.
  std::set<std::string> assigned() {
    std::set<std::string> out;
    auto r = client_->range(store_->keys().allAssignmentsPrefix(), {.prefix = true});
    EXPECT_TRUE(r);
    for (const auto& kv : r->kvs) {
      for (const auto& n : nlohmann::json::parse(kv.value)) {
        out.insert(n.get<std::string>());
      }
    }
    return out;
  }

  void putMonitor(const std::string& name) {
    ASSERT_TRUE(client_->put(store_->keys().monitor(name), R"({"type":"tcp","interval":"10s"})"));
  }

  std::shared_ptr<store::Store> store_;
  ninevolt::testing::LoopThread loop_;                  // before the loop objects: outlives them
  std::vector<std::unique_ptr<Director>> directors_;    // loop only
  std::map<std::string, std::atomic<int>> recomputes_;  // member -> placements computed
};

TEST_F(DirectorFenceTest, ADirectorDeposedJustBeforeItWritesIsRefusedAndStepsDown) {
  for (int i = 0; i < 20; ++i) {
    putMonitor("c" + std::to_string(i));
  }
  // The hook runs on the loop right before each fenced write; once armed, it replaces the
  // director key (same key, another value, on the successor's lease: what a successor's
  // record looks like; on no lease it would be taken over after a while).
  // Shared with the hook, which the loop may still run after the test body has returned
  // (until TearDown stops the director): never a reference to the body's stack.
  auto armed = std::make_shared<std::atomic<bool>>(false);
  auto deposed = std::make_shared<std::atomic<int>>(0);
  const std::string director_key = store_->keys().director();
  auto usurper = client_->grantLease(30s);
  ASSERT_TRUE(usurper);
  auto& d = startDirector(
      "m1", {.before_write = [this, armed, deposed, director_key, usurper = *usurper] {
        if (armed->exchange(false)) {
          ASSERT_TRUE(
              client_->put(director_key, R"({"id":"usurper","since":"now"})", {.lease = usurper}));
          ++*deposed;
        }
      }});
  ASSERT_TRUE(eventually([&] { return assigned().size() == 20; }));
  ASSERT_TRUE(isDirector(d));
  const auto before = shardRevisions();

  *armed = true;
  putMonitor("late");  // the placement of 'late' is the write that meets the fence
  ASSERT_TRUE(eventually([&] { return deposed->load() == 1; }));
  ASSERT_TRUE(eventually([&] { return !isDirector(d); }));
  EXPECT_EQ(shardRevisions(), before) << "a deposed director's write went through";
  EXPECT_FALSE(assigned().contains("late"));
  auto key = client_->range(director_key);
  ASSERT_TRUE(key && key->kvs.size() == 1);
  EXPECT_EQ(key->kvs[0].value, R"({"id":"usurper","since":"now"})");  // not overwritten
}

TEST_F(DirectorFenceTest, ANewDirectorRewritesNothingThatIsAlreadyRight) {
  for (int i = 0; i < 300; ++i) {
    putMonitor("c" + std::to_string(i));
  }
  auto& d1 = startDirector("m1");
  auto& d2 = startDirector("m2");
  ASSERT_TRUE(eventually([&] { return assigned().size() == 300; }));
  ASSERT_TRUE(eventually([&] { return isDirector(d1); }));
  ASSERT_FALSE(isDirector(d2));
  // Settled: both members hold shards (m2 joined after m1 became director).
  ASSERT_TRUE(eventually([&] {
    auto revs = shardRevisions();
    bool m1 = false;
    bool m2 = false;
    for (const auto& [k, rev] : revs) {
      m1 = m1 || k.find("/m1/") != std::string::npos;
      m2 = m2 || k.find("/m2/") != std::string::npos;
    }
    return m1 && m2;
  }));
  // Let d1 finish any placement it is computing (the loop runs one handler at a time).
  onLoop([] {});
  const auto before = shardRevisions();
  auto rev_before = client_->range(store_->keys().director());
  ASSERT_TRUE(rev_before);

  // m1 hands over (SIGTERM path: deletes the director key, fenced); m2 takes over, reads
  // the stored shards, computes the same placement (m1's member record is still there)...
  onLoop([&] { d1.stop(); });
  ASSERT_TRUE(eventually([&] { return isDirector(d2); }));
  ASSERT_TRUE(eventually([&] { return recomputes_.at("m2") >= 1; }));
  onLoop([] {});
  // ... and writes no shard.
  EXPECT_EQ(shardRevisions(), before);
}

// A cold start of the cluster (nothing assigned yet): the first director waits until the
// members have stopped joining, so it never takes every check for itself only to hand most
// of them away a moment later. Each shard is written once, by one placement.
TEST_F(DirectorFenceTest, AColdStartPlacesOnceAfterTheMembersHaveJoined) {
  for (int i = 0; i < 200; ++i) {
    putMonitor("c" + std::to_string(i));
  }
  Director::Options options;
  options.cold_start_quiet = ninevolt::testing::slow(std::chrono::milliseconds(1500));
  options.cold_start_max = std::chrono::seconds(60);
  auto& d1 = startDirector("m1", options);
  ASSERT_TRUE(eventually([&] { return isDirector(d1); }));
  // m2 joins just after m1 became director (its record is written at once).
  auto lease = client_->grantLease(30s);
  ASSERT_TRUE(lease);
  ASSERT_TRUE(store_->putMember(store::MemberInfo{.id = "m2"}, *lease));

  ASSERT_TRUE(eventually([&] { return assigned().size() == 200; }, 30s));
  onLoop([] {});
  uint64_t placements = 0;
  onLoop([&] { placements = d1.placements(); });
  EXPECT_EQ(placements, 1U);
  auto r = client_->range(store_->keys().allAssignmentsPrefix(), {.prefix = true});
  ASSERT_TRUE(r);
  bool m2_has_some = false;
  for (const auto& kv : r->kvs) {
    EXPECT_EQ(kv.mod_revision, kv.create_revision) << kv.key << " was written more than once";
    m2_has_some = m2_has_some || kv.key.find("/m2/") != std::string::npos;
  }
  EXPECT_TRUE(m2_has_some);
}

// The director reads the monitors in pages at one revision: every one of them is placed,
// whatever the page size, and nothing twice.
TEST_F(DirectorFenceTest, MonitorsReadInPagesAreAllPlaced) {
  for (int i = 0; i < 50; ++i) {
    putMonitor("p" + std::to_string(i));
  }
  Director::Options options;
  options.monitor_page = 7;  // 8 pages, the last one short
  startDirector("m1", options);
  ASSERT_TRUE(eventually([&] { return assigned().size() == 50; }));
  startDirector("m2", options);
  ASSERT_TRUE(eventually([&] {
    auto r = client_->range(store_->keys().allAssignmentsPrefix(), {.prefix = true});
    size_t names = 0;
    bool m2 = false;
    for (const auto& kv : r->kvs) {
      names += nlohmann::json::parse(kv.value).size();
      m2 = m2 || kv.key.find("/m2/") != std::string::npos;
    }
    return m2 && names == 50;  // each once, over both members
  }));
  EXPECT_EQ(assigned().size(), 50U);
}

// Shards as earlier versions wrote them (the JSON library's text of each sorted list) are
// taken as right: a director of this version rewrites none of them when it takes over.
TEST_F(DirectorFenceTest, ShardsWrittenByAnEarlierVersionAreNotRewritten) {
  std::map<uint32_t, nlohmann::json> shards;
  for (int i = 0; i < 500; ++i) {
    const std::string name = "check." + std::to_string(i) + "_x-Y";
    putMonitor(name);
    shards[shardOf(name)].push_back(name);  // names in order within each shard: sorted below
  }
  for (auto& [shard, names] : shards) {
    std::sort(names.begin(), names.end());
    ASSERT_TRUE(client_->put(store_->keys().assignmentShard("m1", shardName(shard)), names.dump()));
  }
  const auto before = shardRevisions();
  ASSERT_EQ(before.size(), shards.size());

  auto& d = startDirector("m1");  // the only member: every check is its
  ASSERT_TRUE(eventually([&] { return isDirector(d) && recomputes_.at("m1") >= 1; }));
  onLoop([] {});
  EXPECT_EQ(shardRevisions(), before);
  EXPECT_EQ(assigned().size(), 500U);
}

}  // namespace
}  // namespace ninevolt::cluster
