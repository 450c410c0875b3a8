#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "etcd/client.h"
#include "support/etcd_fixture.h"

namespace ninevolt::etcd {
namespace {

using testing::EtcdTest;

class TxnTest : public EtcdTest {};

// Runs a txn with one compare; returns whether it succeeded.
bool holds(Client& client, const Compare& compare) {
  auto res = client.txn({compare}, {}, {});
  EXPECT_TRUE(res) << res.error().message;
  return res && res->succeeded;
}

TEST_F(TxnTest, CompareEveryTarget) {
  auto lease = client_->grantLease(std::chrono::seconds(30));
  ASSERT_TRUE(lease);
  auto p1 = client_->put("/c/k", "abc", {.lease = *lease});
  ASSERT_TRUE(p1);
  auto p2 = client_->put("/c/k", "abd", {.lease = *lease});
  ASSERT_TRUE(p2);
  Client& c = *client_;

  EXPECT_TRUE(holds(c, Compare::value("/c/k", Compare::kEqual, "abd")));
  EXPECT_FALSE(holds(c, Compare::value("/c/k", Compare::kEqual, "abc")));
  EXPECT_TRUE(holds(c, Compare::value("/c/k", Compare::kGreater, "abc")));
  EXPECT_TRUE(holds(c, Compare::value("/c/k", Compare::kLess, "abe")));
  EXPECT_TRUE(holds(c, Compare::value("/c/k", Compare::kNotEqual, "x")));

  EXPECT_TRUE(holds(c, Compare::version("/c/k", Compare::kEqual, 2)));
  EXPECT_FALSE(holds(c, Compare::version("/c/k", Compare::kEqual, 1)));
  EXPECT_TRUE(holds(c, Compare::version("/c/k", Compare::kGreater, 1)));
  EXPECT_TRUE(holds(c, Compare::version("/c/none", Compare::kEqual, 0)));

  EXPECT_TRUE(holds(c, Compare::createRevision("/c/k", Compare::kEqual, p1->revision)));
  EXPECT_FALSE(holds(c, Compare::createRevision("/c/k", Compare::kEqual, 0)));
  EXPECT_TRUE(holds(c, Compare::createRevision("/c/none", Compare::kEqual, 0)));

  EXPECT_TRUE(holds(c, Compare::modRevision("/c/k", Compare::kEqual, p2->revision)));
  EXPECT_FALSE(holds(c, Compare::modRevision("/c/k", Compare::kEqual, p1->revision)));
  EXPECT_TRUE(holds(c, Compare::modRevision("/c/k", Compare::kLess, p2->revision + 1)));

  EXPECT_TRUE(holds(c, Compare::lease("/c/k", Compare::kEqual, *lease)));
  EXPECT_FALSE(holds(c, Compare::lease("/c/k", Compare::kEqual, 0)));
  EXPECT_TRUE(holds(c, Compare::lease("/c/k", Compare::kNotEqual, 0)));
}

TEST_F(TxnTest, BranchesAndGetResponses) {
  ASSERT_TRUE(client_->put("/b/1", "one"));
  ASSERT_TRUE(client_->put("/b/2", "two"));
  auto res = client_->txn({Compare::value("/b/1", Compare::kEqual, "one")},
                          {TxnOp::put("/b/3", "three"), TxnOp::get("/b/", true), TxnOp::del("/b/1"),
                           TxnOp::get("/b/1")},
                          {TxnOp::put("/b/failed", "x")});
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_TRUE(res->succeeded);
  ASSERT_EQ(res->responses.size(), 4u);
  EXPECT_TRUE(res->responses[0].kvs.empty());
  ASSERT_EQ(res->responses[1].kvs.size(), 3u);
  EXPECT_EQ(res->responses[1].kvs[2].value, "three");
  EXPECT_TRUE(res->responses[3].kvs.empty());

  auto failed =
      client_->txn({Compare::value("/b/1", Compare::kEqual, "one")}, {TxnOp::put("/b/never", "x")},
                   {TxnOp::get("/b/2"), TxnOp::del("/b/", true)});
  ASSERT_TRUE(failed);
  EXPECT_FALSE(failed->succeeded);
  ASSERT_EQ(failed->responses.size(), 2u);
  ASSERT_EQ(failed->responses[0].kvs.size(), 1u);
  EXPECT_EQ(failed->responses[0].kvs[0].value, "two");
  auto left = client_->range("/b/", {.prefix = true, .count_only = true});
  ASSERT_TRUE(left);
  EXPECT_EQ(left->count, 0);
}

TEST_F(TxnTest, TooManyOpsIsAnError) {
  std::vector<TxnOp> ops;
  for (int i = 0; i < 200; ++i) {
    ops.push_back(TxnOp::put("/many/" + std::to_string(i), "x"));
  }
  auto res = client_->txn({}, ops);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, Errc::kInvalidArgument) << res.error().message;
  EXPECT_NE(res.error().message.find("etcd txn"), std::string::npos) << res.error().message;
}

TEST_F(TxnTest, CreateIfAbsentRaceHasExactlyOneWinner) {
  constexpr int kThreads = 8;
  std::atomic<int> wins{0};
  std::atomic<int> losses{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      // Each racer has its own client (its own connection), like separate members.
      auto client = Client::create({.endpoints = {etcd_->endpoint()}});
      ASSERT_TRUE(client);
      while (!go.load()) {
        std::this_thread::yield();
      }
      auto res = (*client)->txn({Compare::createRevision("/race/director", Compare::kEqual, 0)},
                                {TxnOp::put("/race/director", "member-" + std::to_string(i))},
                                {TxnOp::get("/race/director")});
      ASSERT_TRUE(res) << res.error().message;
      if (res->succeeded) {
        ++wins;
      } else {
        ++losses;
        ASSERT_EQ(res->responses.size(), 1u);
        ASSERT_EQ(res->responses[0].kvs.size(), 1u);
      }
    });
  }
  go = true;
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(losses.load(), kThreads - 1);
  auto got = client_->range("/race/director");
  ASSERT_TRUE(got);
  ASSERT_EQ(got->kvs.size(), 1u);
  EXPECT_EQ(got->kvs[0].version, 1);
}

}  // namespace
}  // namespace ninevolt::etcd
