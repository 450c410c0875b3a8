// The bounded queue in front of etcd: the oldest go first, nothing beyond the limit.
#include "events/event_queue.h"

#include <gtest/gtest.h>

namespace ninevolt::events {
namespace {

store::StoredEvent ev(int n) {
  return {"k" + std::to_string(n), store::Event{.message = std::to_string(n)}};
}

std::vector<std::string> keysOf(const std::vector<store::StoredEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    out.push_back(e.key);
  }
  return out;
}

TEST(EventQueue, KeepsOrderAndTakesFromTheFront) {
  EventQueue q(10);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(q.push(ev(i)), 0U);
  }
  EXPECT_EQ(keysOf(q.take(2)), (std::vector<std::string>{"k0", "k1"}));
  EXPECT_EQ(q.size(), 3U);
  EXPECT_EQ(keysOf(q.take(100)), (std::vector<std::string>{"k2", "k3", "k4"}));
  EXPECT_TRUE(q.empty());
  EXPECT_TRUE(q.take(3).empty());
  EXPECT_EQ(q.dropped(), 0U);
}

TEST(EventQueue, DropsTheOldestBeyondTheLimitAndCountsThem) {
  EventQueue q(3);
  for (int i = 0; i < 10; ++i) {
    q.push(ev(i));
  }
  EXPECT_EQ(q.size(), 3U);
  EXPECT_EQ(q.dropped(), 7U);
  EXPECT_EQ(keysOf(q.take(3)), (std::vector<std::string>{"k7", "k8", "k9"}));
}

TEST(EventQueue, PutBackGoesInFrontAndStillRespectsTheLimit) {
  EventQueue q(4);
  for (int i = 0; i < 4; ++i) {
    q.push(ev(i));
  }
  auto batch = q.take(2);  // k0 k1 being written
  q.push(ev(4));
  q.push(ev(5));  // full again: k2 k3 k4 k5
  EXPECT_EQ(q.dropped(), 0U);
  // The write failed: k0 k1 come back in front of the newer ones, and being the oldest
  // they are the ones that do not fit.
  EXPECT_EQ(q.putBack(std::move(batch)), 2U);
  EXPECT_EQ(q.dropped(), 2U);
  EXPECT_EQ(keysOf(q.take(10)), (std::vector<std::string>{"k2", "k3", "k4", "k5"}));

  q.push(ev(6));
  auto one = q.take(1);
  EXPECT_EQ(q.putBack(std::move(one)), 0U);
  EXPECT_EQ(keysOf(q.take(10)), (std::vector<std::string>{"k6"}));
}

TEST(EventQueue, LimitIsAtLeastOne) {
  EventQueue q(0);
  q.push(ev(1));
  q.push(ev(2));
  EXPECT_EQ(keysOf(q.take(5)), (std::vector<std::string>{"k2"}));
}

}  // namespace
}  // namespace ninevolt::events
