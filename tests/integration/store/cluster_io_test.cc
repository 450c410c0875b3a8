// The Store's cluster calls against a real etcd: the director key's campaign, move and
// take-over delete, fenced director writes split into txns, states written only while their
// monitor exists, per-check reads in order across txns, and check pages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store.h"
#include "support/etcd_fixture.h"

namespace ninevolt::store {
namespace {

using ::testing::ElementsAre;
using namespace std::chrono_literals;

class StoreClusterTest : public ninevolt::testing::EtcdTest {
 protected:
  void SetUp() override {
    EtcdTest::SetUp();
    store_ = std::make_shared<Store>(client_, "9volt");
  }

  int64_t lease() {
    auto l = store_->grantLease(30s);
    EXPECT_TRUE(l) << l.error().message;
    return l ? *l : 0;
  }

  // Wins the director key and returns the fence its writes carry.
  DirectorFence win(const std::string& value) {
    auto c = store_->campaignForDirector(value, lease());
    EXPECT_TRUE(c && c->won);
    return {.create_revision = c ? c->revision : 0, .value = value};
  }

  size_t countUnder(const std::string& prefix) {
    auto r = client_->range(prefix, {.prefix = true, .count_only = true});
    return r ? static_cast<size_t>(r->count) : 0;
  }

  std::shared_ptr<Store> store_;
};

TEST_F(StoreClusterTest, ACampaignWinsOnceAndTheLoserLearnsWhoHoldsTheKey) {
  auto first = store_->campaignForDirector("m1", lease());
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->won);
  EXPECT_FALSE(first->holder);
  auto second = store_->campaignForDirector("m2", lease());
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->won);
  ASSERT_TRUE(second->holder);
  EXPECT_EQ(second->holder->value, "m1");
  EXPECT_EQ(second->holder->create_revision, first->revision);
}

TEST_F(StoreClusterTest, TheKeyMovesToANewLeaseOnlyWhileItIsExactlyWhatWasRead) {
  const int64_t old_lease = lease();
  ASSERT_TRUE(store_->campaignForDirector("m1", old_lease));
  auto read = store_->readDirectorKey();
  ASSERT_TRUE(read && read->kv);
  const int64_t new_lease = lease();
  auto moved = store_->moveDirectorKey(*read->kv, new_lease);
  ASSERT_TRUE(moved && *moved);
  auto after = store_->readDirectorKey();
  ASSERT_TRUE(after && after->kv);
  EXPECT_EQ(after->kv->lease, new_lease);
  EXPECT_EQ(after->kv->create_revision, read->kv->create_revision);  // the fence still holds

  // Another value now: a move made from the old read changes nothing.
  ASSERT_TRUE(client_->put("/9volt/cluster/director", "m2"));
  auto stale = store_->moveDirectorKey(*read->kv, old_lease);
  ASSERT_TRUE(stale);
  EXPECT_FALSE(*stale);
  EXPECT_EQ(store_->readDirectorKey()->kv->value, "m2");
}

TEST_F(StoreClusterTest, TheTakeOverDeletesOnlyTheKeyItRead) {
  ASSERT_TRUE(client_->put("/9volt/cluster/director", "garbage"));
  auto read = store_->readDirectorKey();
  ASSERT_TRUE(read && read->kv);
  ASSERT_TRUE(client_->put("/9volt/cluster/director", "a director meanwhile"));
  auto stale = store_->deleteDirectorKeyAt(read->kv->mod_revision);
  ASSERT_TRUE(stale);
  EXPECT_FALSE(*stale);
  auto now = store_->readDirectorKey();
  ASSERT_TRUE(now && now->kv);
  auto deleted = store_->deleteDirectorKeyAt(now->kv->mod_revision);
  ASSERT_TRUE(deleted && *deleted);
  EXPECT_GT(**deleted, now->kv->mod_revision);
  EXPECT_FALSE(store_->readDirectorKey()->kv);
}

TEST_F(StoreClusterTest, DirectorWritesGoInTxnsWithinLimitsEachFenced) {
  const DirectorFence fence = win("d1");
  DirectorWrites writes(store_->keys());
  for (int i = 0; i < 300; ++i) {
    writes.putShard("m" + std::to_string(i), "00", R"(["c"])");
  }
  int txns = 0;
  auto ok = store_->writeAsDirector(fence, writes, [&] { txns++; });
  ASSERT_TRUE(ok);
  EXPECT_TRUE(*ok);
  EXPECT_EQ(txns, 3);  // 120 + 120 + 60: etcd allows 128 operations per txn
  EXPECT_EQ(countUnder("/9volt/cluster/assignments/"), 300U);

  // Deposed between the first and the second txn: the first is written, nothing after it.
  DirectorWrites removal(store_->keys());
  for (int i = 0; i < 300; ++i) {
    removal.deleteShard("m" + std::to_string(i), "00");
  }
  txns = 0;
  ok = store_->writeAsDirector(fence, removal, [&] {
    if (++txns == 2) {
      ASSERT_TRUE(client_->put("/9volt/cluster/director", "d2"));
    }
  });
  ASSERT_TRUE(ok);
  EXPECT_FALSE(*ok);
  EXPECT_EQ(txns, 2);
  EXPECT_EQ(countUnder("/9volt/cluster/assignments/"), 180U);
}

TEST_F(StoreClusterTest, ACheckGoesWithItsStateAndPushRecordAndNothingElse) {
  const DirectorFence fence = win("d1");
  for (const char* key :
       {"/9volt/state/web", "/9volt/push/web", "/9volt/incident/web", "/9volt/state/db"}) {
    ASSERT_TRUE(client_->put(key, "{}"));
  }
  DirectorWrites writes(store_->keys());
  writes.deleteCheckRecords("web");
  ASSERT_TRUE(*store_->writeAsDirector(fence, writes));
  EXPECT_EQ(countUnder("/9volt/state/web"), 0U);
  EXPECT_EQ(countUnder("/9volt/push/web"), 0U);
  // The incident stays for the dispatcher (its resolves still go out); other checks stay.
  EXPECT_EQ(countUnder("/9volt/incident/web"), 1U);
  EXPECT_EQ(countUnder("/9volt/state/db"), 1U);
}

TEST_F(StoreClusterTest, TheCompactionRecordIsWrittenOnlyThroughTheFenceAndWhileUnchanged) {
  const DirectorFence fence = win("d1");
  auto put = store_->putCompactionRecord(fence, {"m1", 100}, 0);
  ASSERT_TRUE(put && *put);
  auto read = store_->readCompactionRecord();
  ASSERT_TRUE(read && read->kv);
  EXPECT_EQ(decodeCompaction(read->kv->value)->unix, 100);
  // "absent" when it is not, and an old revision: refused.
  EXPECT_FALSE(*store_->putCompactionRecord(fence, {"m1", 200}, 0));
  EXPECT_FALSE(*store_->putCompactionRecord(fence, {"m1", 200}, read->kv->mod_revision - 1));
  // Not the director's fence: refused.
  DirectorFence other = fence;
  other.value = "d2";
  EXPECT_FALSE(*store_->putCompactionRecord(other, {"m1", 200}, read->kv->mod_revision));
  EXPECT_TRUE(*store_->putCompactionRecord(fence, {"m1", 200}, read->kv->mod_revision));
  EXPECT_EQ(decodeCompaction(store_->readCompactionRecord()->kv->value)->unix, 200);
}

TEST_F(StoreClusterTest, StatesAreWrittenOnlyWhileEveryMonitorExists) {
  ASSERT_TRUE(client_->put("/9volt/monitor/a", "{}"));
  ASSERT_TRUE(client_->put("/9volt/monitor/b", "{}"));
  CheckStateRecord a{.check = "a", .owner = "m1", .status = "ok"};
  CheckStateRecord b{.check = "b", .owner = "m1", .status = "critical"};
  auto w = store_->putStates({a, b});
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->written);
  EXPECT_TRUE(w->gone.empty());
  EXPECT_EQ(decodeState(client_->range("/9volt/state/b")->kvs[0].value)->status, "critical");

  ASSERT_TRUE(client_->del("/9volt/monitor/b"));
  ASSERT_TRUE(client_->del("/9volt/state/b"));
  a.status = "warning";
  w = store_->putStates({a, b});
  ASSERT_TRUE(w);
  EXPECT_FALSE(w->written);
  EXPECT_THAT(w->gone, ElementsAre("b"));
  // None written: a keeps its old state, b's deleted state does not come back.
  EXPECT_EQ(decodeState(client_->range("/9volt/state/a")->kvs[0].value)->status, "ok");
  EXPECT_TRUE(client_->range("/9volt/state/b")->kvs.empty());
}

TEST_F(StoreClusterTest, CheckRecordsComeBackInTheOrderAskedAcrossTxns) {
  std::vector<std::string> names;
  for (int i = 0; i < 95; ++i) {  // three txns of 40
    std::string n = "c" + std::to_string(i);
    names.push_back(n);
    if (i % 2 == 0) {
      ASSERT_TRUE(client_->put("/9volt/monitor/" + n, "m-" + n));
    }
    if (i % 3 == 0) {
      ASSERT_TRUE(client_->put("/9volt/state/" + n, "s-" + n));
    }
    if (i % 5 == 0) {
      ASSERT_TRUE(client_->put("/9volt/incident/" + n, "i-" + n));
    }
  }
  auto got = store_->readCheckRecords(names);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    const auto& r = (*got)[i];
    const std::string& n = names[i];
    EXPECT_EQ(r.monitor.has_value(), i % 2 == 0) << n;
    EXPECT_EQ(r.state.has_value(), i % 3 == 0) << n;
    EXPECT_EQ(r.incident.has_value(), i % 5 == 0) << n;
    if (r.monitor) {
      EXPECT_EQ(r.monitor->value, "m-" + n);
    }
    if (r.state) {
      EXPECT_EQ(r.state->value, "s-" + n);
    }
    if (r.incident) {
      EXPECT_EQ(r.incident->value, "i-" + n);
    }
  }
  EXPECT_TRUE(store_->readCheckRecords({})->empty());
}

TEST_F(StoreClusterTest, ACheckPageHasTheStatesOfItsNameRangeOnly) {
  for (const char* n : {"a", "b", "c", "d", "e"}) {
    ASSERT_TRUE(client_->put(std::string("/9volt/monitor/") + n, "{}"));
  }
  for (const char* n : {"b", "bb", "d", "zz"}) {
    ASSERT_TRUE(client_->put(std::string("/9volt/state/") + n, n));
  }
  auto page = store_->readCheckPage("/9volt/monitor/", "/9volt/monitor0", 3, 0);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->monitors.size(), 3U);
  EXPECT_EQ(page->monitors.back().key, "/9volt/monitor/c");
  EXPECT_TRUE(page->more);
  std::vector<std::string> states;
  for (const auto& kv : page->states) {
    states.push_back(kv.value);
  }
  EXPECT_THAT(states, ElementsAre("b", "bb"));  // a..c, whatever their names

  auto rest = store_->readCheckPage("/9volt/monitor/c" + std::string(1, '\0'), "/9volt/monitor0", 3,
                                    page->revision);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->monitors.size(), 2U);
  EXPECT_FALSE(rest->more);
  ASSERT_EQ(rest->states.size(), 1U);
  EXPECT_EQ(rest->states[0].value, "d");
}

TEST_F(StoreClusterTest, AProbeStoreHasItsOwnClientAndSharesTheRejections) {
  auto probe = store_->withCallTimeout(500ms);
  ASSERT_NE(probe, nullptr);
  EXPECT_TRUE(probe->status());
  EXPECT_EQ(&probe->rejections(), &store_->rejections());
  EXPECT_EQ(probe->keys().root(), store_->keys().root());
}

TEST_F(StoreClusterTest, LiveMembersAreTheRecordKeysAndTheirLeases) {
  const int64_t l = lease();
  ASSERT_TRUE(store_->putMember({.id = "m1"}, l));
  auto ids = store_->liveMemberIds();
  ASSERT_TRUE(ids);
  EXPECT_THAT(*ids, ElementsAre("m1"));
  EXPECT_EQ(**store_->memberLease("m1"), l);
  EXPECT_FALSE(store_->memberLease("m2")->has_value());
  ASSERT_TRUE(store_->revokeLease(l));
  EXPECT_TRUE(store_->liveMemberIds()->empty());
}

TEST_F(StoreClusterTest, ASilenceLivesOnItsOwnLeaseAndGoesWithIt) {
  const auto now = std::chrono::time_point_cast<common::SystemTime::duration>(
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  Silence s;
  s.id = "00000000000000c1";
  s.check = "web";
  s.starts = now;
  s.ends = now + 1h;
  ASSERT_TRUE(*store_->createSilence(s, now));
  EXPECT_FALSE(*store_->createSilence(s, now));  // the id is taken: nothing written
  EXPECT_EQ(*store_->countSilences(), 1);
  auto raw = client_->range("/9volt/silence/00000000000000c1");
  ASSERT_TRUE(raw && raw->kvs.size() == 1U);
  auto ttl = client_->leaseTimeToLive(raw->kvs[0].lease);
  ASSERT_TRUE(ttl);
  EXPECT_GT(ttl->ttl, 24 * 3600);  // a day past its end
  EXPECT_LE(ttl->ttl, 25 * 3600 + 60);
  auto back = store_->getSilence(s.id);
  ASSERT_TRUE(back && *back);
  EXPECT_EQ((*back)->ends, s.ends);
  // An invalid one is refused before anything is written.
  Silence bad = s;
  bad.id = "00000000000000c2";
  bad.check.clear();
  EXPECT_FALSE(store_->createSilence(bad, now));
  EXPECT_EQ(*store_->countSilences(), 1);
  // Deleted: its lease goes too.
  EXPECT_TRUE(*store_->deleteSilence(s.id));
  EXPECT_FALSE(*store_->deleteSilence(s.id));
  auto gone = client_->leaseTimeToLive(raw->kvs[0].lease);
  EXPECT_TRUE(!gone || gone->ttl <= 0);
  EXPECT_EQ(*store_->countSilences(), 0);
}

}  // namespace
}  // namespace ninevolt::store
