#include "etcd/limits.h"

#include <string>

#include <gtest/gtest.h>

namespace ninevolt::etcd {
namespace {

std::vector<TxnOp> puts(size_t n, size_t value_bytes) {
  std::vector<TxnOp> ops;
  for (size_t i = 0; i < n; ++i) {
    ops.push_back(TxnOp::put("/k/" + std::to_string(i), std::string(value_bytes, 'v')));
  }
  return ops;
}

size_t total(const std::vector<std::span<const TxnOp>>& batches) {
  size_t n = 0;
  for (auto b : batches) {
    n += b.size();
  }
  return n;
}

TEST(RequestLimits, ManySmallOpsAreSplitByCount) {
  auto ops = puts(300, 10);
  auto batches = splitIntoRequests(ops);
  ASSERT_EQ(batches.size(), 3U);
  EXPECT_EQ(batches[0].size(), kTxnOpsPerRequest);
  EXPECT_EQ(total(batches), 300U);
  EXPECT_EQ(batches[2].back().key, "/k/299");  // in order
}

TEST(RequestLimits, LargeValuesAreSplitByBytes) {
  // 64 shards of 240 KB: what one member with 760,000 checks needed (15 MB in one txn).
  auto ops = puts(64, 240'000);
  auto batches = splitIntoRequests(ops);
  EXPECT_EQ(total(batches), 64U);
  for (auto b : batches) {
    size_t bytes = 0;
    for (const auto& op : b) {
      bytes += requestBytes(op);
    }
    EXPECT_LE(bytes, kBytesPerRequest);
    EXPECT_GE(b.size(), 1U);
  }
  EXPECT_GE(batches.size(), 64U * 240'000 / kBytesPerRequest);
}

TEST(RequestLimits, AnOversizedOpIsABatchOfItsOwnAndNothingIsLost) {
  auto ops = puts(3, 10);
  ops.insert(ops.begin() + 1, TxnOp::put("/huge", std::string(2 << 20, 'h')));
  auto batches = splitIntoRequests(ops);
  ASSERT_EQ(batches.size(), 3U);
  EXPECT_EQ(batches[1].size(), 1U);
  EXPECT_EQ(batches[1][0].key, "/huge");
  EXPECT_EQ(total(batches), 4U);
  EXPECT_TRUE(splitIntoRequests({}).empty());
}

}  // namespace
}  // namespace ninevolt::etcd
