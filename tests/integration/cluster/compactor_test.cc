// The director's etcd compaction on a real etcd: the record's revision is compacted to one
// interval later, only through the fence, only once per record; off with interval 0; a
// record that is not one is rewritten. The clock is the test's; the director key is the
// test's own value, standing in for an elected director's.
#include "cluster/compactor.h"

#include <gtest/gtest.h>

#include "support/etcd_fixture.h"
#include "support/loop_thread.h"

namespace ninevolt::cluster {
namespace {

using namespace std::chrono_literals;

class CompactorTest : public ninevolt::testing::EtcdTest {
 protected:
  void SetUp() override {
    EtcdTest::SetUp();
    store_ = std::make_shared<store::Store>(client_, "9volt");
    auto put = client_->put(kDirectorKey, "me");
    ASSERT_TRUE(put);
    fence_ = {.create_revision = put->revision, .value = "me"};
  }

  void TearDown() override {
    onLoop([this] { compactor_.reset(); });
    loop_.join();
    EtcdTest::TearDown();
  }

  void onLoop(const std::function<void()>& fn) { loop_.onLoop(fn); }

  void startCompactor(std::chrono::seconds interval) {
    onLoop([&] {
      compactor_ = std::make_unique<Compactor>(
          loop_.io(), store_,
          Compactor::Options{
              .member_id = "m1",
              .interval = interval,
              .fence = [this] { return std::optional<store::DirectorFence>(fence_); },
              .now_unix = [this] { return now_.load(); }});
    });
  }

  void check() {
    onLoop([this] { compactor_->check(); });
  }

  // Whether etcd still serves a read at this revision (false once compacted away).
  bool readableAt(int64_t revision) {
    return client_->range("/9volt/x", {.revision = revision}).has_value();
  }

  int64_t put(const std::string& value) { return client_->put("/9volt/x", value)->revision; }

  static constexpr const char* kDirectorKey = "/9volt/cluster/director";
  store::DirectorFence fence_;
  std::shared_ptr<store::Store> store_;
  ninevolt::testing::LoopThread loop_;
  std::atomic<int64_t> now_{1'000'000};
  std::unique_ptr<Compactor> compactor_;
};

TEST_F(CompactorTest, CompactsToTheRevisionOfOneIntervalAgo) {
  startCompactor(300s);
  const int64_t early = put("a");
  check();  // writes the first record, compacts nothing
  auto record = client_->range("/9volt/cluster/compaction");
  ASSERT_TRUE(record && record->kvs.size() == 1);
  const int64_t marked = record->kvs[0].mod_revision;
  EXPECT_GT(marked, early);
  const int64_t later = put("b");

  now_ += 299;  // not an interval yet
  check();
  EXPECT_EQ(client_->range("/9volt/cluster/compaction")->kvs[0].mod_revision, marked);
  EXPECT_TRUE(readableAt(early));

  now_ += 1;
  check();
  EXPECT_FALSE(readableAt(early));  // before the record: gone
  EXPECT_TRUE(readableAt(marked));  // from the record on: kept
  EXPECT_TRUE(readableAt(later));
  onLoop([&] {
    EXPECT_EQ(compactor_->compactedRevision(), marked);
    EXPECT_EQ(compactor_->compactions(), 1U);
  });
  // A new record, an interval to go again.
  EXPECT_GT(client_->range("/9volt/cluster/compaction")->kvs[0].mod_revision, later);
  check();
  onLoop([&] { EXPECT_EQ(compactor_->compactions(), 1U); });
}

TEST_F(CompactorTest, OnlyTheDirectorCompacts) {
  startCompactor(300s);
  const int64_t early = put("a");
  check();
  now_ += 600;
  ASSERT_TRUE(client_->put(kDirectorKey, "another"));  // deposed
  check();
  EXPECT_TRUE(readableAt(early));
  onLoop([&] { EXPECT_EQ(compactor_->compactions(), 0U); });
}

TEST_F(CompactorTest, ZeroLeavesEtcdAlone) {
  startCompactor(0s);
  const int64_t early = put("a");
  check();
  now_ += 100000;
  check();
  EXPECT_TRUE(readableAt(early));
  EXPECT_TRUE(client_->range("/9volt/cluster/compaction")->kvs.empty());
  // Turned on live.
  onLoop([&] { compactor_->setInterval(60s); });
  check();
  now_ += 60;
  check();
  EXPECT_FALSE(readableAt(early));
}

TEST_F(CompactorTest, ARecordThatIsNoneIsRewrittenNotTrusted) {
  startCompactor(300s);
  for (const char* bad : {"{\"unix\": \"soon\"}", "\xff\x01", "[]"}) {
    ASSERT_TRUE(client_->put("/9volt/cluster/compaction", bad));
    const int64_t early = put("a");
    now_ += 10000;
    check();  // rewritten, nothing compacted
    EXPECT_TRUE(readableAt(early)) << bad;
    auto record = client_->range("/9volt/cluster/compaction");
    EXPECT_EQ(nlohmann::json::parse(record->kvs[0].value)["member"], "m1") << bad;
  }
  // A time far in the future says nothing about the record's age either.
  ASSERT_TRUE(client_->put("/9volt/cluster/compaction",
                           nlohmann::json{{"member", "x"}, {"unix", now_ + 86400}}.dump()));
  const int64_t early = put("a");
  check();
  EXPECT_TRUE(readableAt(early));
  now_ += 300;
  check();  // the rewritten record is an interval old now
  EXPECT_FALSE(readableAt(early));
}

TEST_F(CompactorTest, EtcdHavingCompactedFurtherIsFine) {
  startCompactor(300s);
  check();
  const int64_t newest = put("z");
  ASSERT_TRUE(client_->compact(newest));  // an operator, or etcd's own auto-compaction
  now_ += 300;
  check();  // asks for an older revision: refused by etcd as compacted already
  onLoop([&] { EXPECT_EQ(compactor_->compactions(), 0U); });
  EXPECT_TRUE(readableAt(newest));
}

}  // namespace
}  // namespace ninevolt::cluster
