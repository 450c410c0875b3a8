#include <string>

#include <gtest/gtest.h>

#include "etcd/client.h"
#include "support/etcd_fixture.h"

namespace ninevolt::etcd {
namespace {

using testing::EtcdTest;

class KvTest : public EtcdTest {};

TEST(PrefixRangeEnd, IncrementsLastByte) {
  EXPECT_EQ(prefixRangeEnd("/a/"), "/a0");
  EXPECT_EQ(prefixRangeEnd("ab\xff"), "ac");
  EXPECT_EQ(prefixRangeEnd(""), std::string(1, '\0'));
  EXPECT_EQ(prefixRangeEnd("\xff\xff"), std::string(1, '\0'));
}

TEST_F(KvTest, PutGetWithPrevKv) {
  auto put = client_->put("/t/a", "1");
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_GT(put->revision, 0);
  EXPECT_FALSE(put->prev);

  auto again = client_->put("/t/a", "2", {.prev_kv = true});
  ASSERT_TRUE(again) << again.error().message;
  ASSERT_TRUE(again->prev);
  EXPECT_EQ(again->prev->value, "1");
  EXPECT_EQ(again->revision, put->revision + 1);

  auto got = client_->range("/t/a");
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_EQ(got->kvs.size(), 1u);
  EXPECT_EQ(got->kvs[0].key, "/t/a");
  EXPECT_EQ(got->kvs[0].value, "2");
  EXPECT_EQ(got->kvs[0].version, 2);
  EXPECT_EQ(got->kvs[0].create_revision, put->revision);
  EXPECT_EQ(got->kvs[0].mod_revision, again->revision);
  EXPECT_EQ(got->revision, again->revision);

  auto missing = client_->range("/t/none");
  ASSERT_TRUE(missing);
  EXPECT_TRUE(missing->kvs.empty());
  EXPECT_EQ(missing->count, 0);
}

TEST_F(KvTest, BinaryKeysAndValues) {
  std::string key("/t/\0\xff", 5);
  std::string value("\0\x01\x02", 3);
  ASSERT_TRUE(client_->put(key, value));
  auto got = client_->range(key);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->kvs.size(), 1u);
  EXPECT_EQ(got->kvs[0].key, key);
  EXPECT_EQ(got->kvs[0].value, value);
}

TEST_F(KvTest, RangePrefixLimitKeysOnlyCountOnly) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(client_->put("/p/k" + std::to_string(i), "v" + std::to_string(i)));
  }
  ASSERT_TRUE(client_->put("/p0", "outside"));  // shares the byte after "/p" but not "/p/"
  ASSERT_TRUE(client_->put("/o", "outside"));

  auto all = client_->range("/p/", {.prefix = true});
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->kvs.size(), 10u);
  EXPECT_EQ(all->count, 10);
  EXPECT_FALSE(all->more);
  EXPECT_EQ(all->kvs[0].key, "/p/k0");
  EXPECT_EQ(all->kvs[9].value, "v9");

  auto limited = client_->range("/p/", {.prefix = true, .limit = 3});
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->kvs.size(), 3u);
  EXPECT_EQ(limited->count, 10);
  EXPECT_TRUE(limited->more);

  auto keys = client_->range("/p/", {.prefix = true, .keys_only = true});
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->kvs.size(), 10u);
  EXPECT_EQ(keys->kvs[3].key, "/p/k3");
  EXPECT_TRUE(keys->kvs[3].value.empty());
  EXPECT_GT(keys->kvs[3].mod_revision, 0);

  auto count = client_->range("/p/", {.prefix = true, .count_only = true});
  ASSERT_TRUE(count);
  EXPECT_TRUE(count->kvs.empty());
  EXPECT_EQ(count->count, 10);

  auto everything = client_->range("", {.prefix = true, .count_only = true});
  ASSERT_TRUE(everything);
  EXPECT_EQ(everything->count, 12);
}

TEST_F(KvTest, RangeAtOldRevisionAndCompacted) {
  auto first = client_->put("/r/x", "old");
  ASSERT_TRUE(first);
  auto second = client_->put("/r/x", "new");
  ASSERT_TRUE(second);
  auto old = client_->range("/r/x", {.revision = first->revision});
  ASSERT_TRUE(old);
  ASSERT_EQ(old->kvs.size(), 1u);
  EXPECT_EQ(old->kvs[0].value, "old");

  ASSERT_TRUE(client_->compact(second->revision));
  auto gone = client_->range("/r/x", {.revision = first->revision});
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, Errc::kCompacted) << gone.error().message;
}

TEST_F(KvTest, ListPrefixPagesAtOnePinnedRevision) {
  // 2500 keys written 100 per txn (etcd allows 128 ops per txn).
  for (int batch = 0; batch < 25; ++batch) {
    std::vector<TxnOp> ops;
    for (int i = 0; i < 100; ++i) {
      char key[32];
      snprintf(key, sizeof key, "/big/%05d", batch * 100 + i);
      ops.push_back(TxnOp::put(key, "value-" + std::to_string(batch * 100 + i)));
    }
    auto res = client_->txn({}, ops);
    ASSERT_TRUE(res) << res.error().message;
  }
  ASSERT_TRUE(client_->put("/big0", "outside"));

  auto list = client_->listPrefix("/big/", 1000);
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->kvs.size(), 2500u);
  EXPECT_EQ(list->count, 2500);
  EXPECT_FALSE(list->more);
  for (size_t i = 0; i < list->kvs.size(); ++i) {
    char key[32];
    snprintf(key, sizeof key, "/big/%05zu", i);
    ASSERT_EQ(list->kvs[i].key, key);
    ASSERT_EQ(list->kvs[i].value, "value-" + std::to_string(i));
  }
  auto status = client_->status();
  ASSERT_TRUE(status);
  EXPECT_EQ(list->revision, status->revision);

  // Pages at a pinned revision: a small page size still yields an exact snapshot.
  auto small = client_->listPrefix("/big/", 7);
  ASSERT_TRUE(small);
  EXPECT_EQ(small->kvs.size(), 2500u);

  auto empty = client_->listPrefix("/nothing/", 10);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->kvs.empty());
  EXPECT_GT(empty->revision, 0);
  EXPECT_FALSE(client_->listPrefix("/big/", 0));
}

TEST_F(KvTest, ExplicitRangeEndDescendingAndRangeDelete) {
  for (const char* k : {"/r/a", "/r/b", "/r/c", "/r/d", "/r0"}) {
    ASSERT_TRUE(client_->put(k, k));
  }
  // [b, d): b and c; descending with a limit: the highest keys of the range.
  auto mid = client_->range("/r/b", {.range_end = "/r/d"});
  ASSERT_TRUE(mid) << mid.error().message;
  ASSERT_EQ(mid->kvs.size(), 2u);
  EXPECT_EQ(mid->kvs[0].key, "/r/b");
  auto top = client_->range("/r/", {.prefix = true, .limit = 2, .descending = true});
  ASSERT_TRUE(top) << top.error().message;
  ASSERT_EQ(top->kvs.size(), 2u);
  EXPECT_EQ(top->kvs[0].key, "/r/d");
  EXPECT_EQ(top->kvs[1].key, "/r/c");
  EXPECT_TRUE(top->more);

  auto del = client_->txn({}, {TxnOp::delRange("/r/", "/r/c")});
  ASSERT_TRUE(del) << del.error().message;
  auto left = client_->range("/r", {.prefix = true, .keys_only = true});
  ASSERT_TRUE(left);
  ASSERT_EQ(left->kvs.size(), 3u);
  EXPECT_EQ(left->kvs[0].key, "/r/c");
  EXPECT_EQ(left->kvs[2].key, "/r0");
}

TEST_F(KvTest, DeleteKeyAndPrefix) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client_->put("/d/" + std::to_string(i), "x"));
  }
  ASSERT_TRUE(client_->put("/d0", "outside"));
  auto one = client_->del("/d/0");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->deleted, 1);
  auto rest = client_->del("/d/", true);
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->deleted, 4);
  EXPECT_GT(rest->revision, one->revision);
  auto none = client_->del("/d/", true);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->deleted, 0);
  auto left = client_->range("/d", {.prefix = true});
  ASSERT_TRUE(left);
  ASSERT_EQ(left->kvs.size(), 1u);
  EXPECT_EQ(left->kvs[0].key, "/d0");
}

TEST_F(KvTest, Status) {
  auto status = client_->status();
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(status->version.rfind("3.", 0), 0u) << status->version;
  EXPECT_NE(status->leader, 0u);
  EXPECT_EQ(status->leader, status->member_id);
  EXPECT_GT(status->db_size, 0);
}

}  // namespace
}  // namespace ninevolt::etcd
