// What a member makes of etcd's Status answers: unreachable, an alarm raised (NOSPACE,
// CORRUPT), and back to normal; each change reported once, with what to do.
#include "app/etcd_health.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/event.h"

namespace ninevolt::app {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Recorded {
  std::string type, kind, message;
};

class EtcdHealthTest : public ::testing::Test {
 protected:
  EtcdHealth health_{
      {.on_event = [this](const char* type, const char* kind, const std::string& message) {
        events_.push_back({type, kind, message});
      }}};
  std::vector<Recorded> events_;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();

  static Result<etcd::StatusInfo> fine(int64_t db = 4096) {
    return etcd::StatusInfo{.db_size = db, .db_size_in_use = db / 2};
  }
  static Result<etcd::StatusInfo> alarmed(std::vector<std::string> errors) {
    return etcd::StatusInfo{.db_size = 1 << 20, .errors = std::move(errors)};
  }
  static Result<etcd::StatusInfo> unreachable() {
    return fail(Errc::kUnavailable, "connection refused");
  }
  std::string metrics() {
    std::string out;
    metrics::Writer w(out);
    health_.renderMetrics(w);
    return out;
  }
};

TEST_F(EtcdHealthTest, AHealthyEtcdIsNoProblemAndNoEvent) {
  health_.observe(fine(), t0_);
  health_.observe(fine(), t0_);
  EXPECT_EQ(health_.problem(), "");
  EXPECT_THAT(events_, IsEmpty());
  EXPECT_THAT(metrics(), HasSubstr("ninevolt_etcd_db_size_bytes 4096\n"));
  EXPECT_THAT(metrics(), HasSubstr("ninevolt_etcd_db_size_in_use_bytes 2048\n"));
  EXPECT_THAT(metrics(), HasSubstr("ninevolt_etcd_alarms 0\n"));
}

TEST_F(EtcdHealthTest, NoSpaceIsAProblemSaidOnceWithWhatToDo) {
  health_.observe(fine(), t0_);
  for (int i = 0; i < 3; ++i) {
    health_.observe(alarmed({"memberID:10276657743932975437 alarm:NOSPACE "}), t0_);
  }
  EXPECT_THAT(health_.problem(), HasSubstr("alarm:NOSPACE"));
  EXPECT_THAT(health_.problem(), HasSubstr("etcdctl alarm disarm"));
  ASSERT_EQ(events_.size(), 1U);
  EXPECT_EQ(events_[0].type, store::kEventError);
  EXPECT_EQ(events_[0].kind, store::event_kind::kEtcdAlarm);
  EXPECT_THAT(metrics(), HasSubstr("ninevolt_etcd_alarms 1\n"));

  health_.observe(fine(), t0_);
  EXPECT_EQ(health_.problem(), "");
  ASSERT_EQ(events_.size(), 2U);
  EXPECT_EQ(events_[1].kind, store::event_kind::kEtcdRestored);
  EXPECT_THAT(events_[1].message, HasSubstr("NOSPACE"));
  EXPECT_THAT(metrics(), HasSubstr("ninevolt_etcd_alarms 0\n"));
}

TEST_F(EtcdHealthTest, CorruptAndNoLeaderAreReportedAsEtcdSaysThem) {
  health_.observe(alarmed({"memberID:1 alarm:CORRUPT ", "etcdserver: no leader"}), t0_);
  EXPECT_THAT(health_.problem(), HasSubstr("alarm:CORRUPT ; etcdserver: no leader"));
  EXPECT_THAT(health_.problem(), HasSubstr("replace that member"));
  EXPECT_THAT(metrics(), HasSubstr("ninevolt_etcd_alarms 1\n"));  // "no leader" is no alarm
}

TEST_F(EtcdHealthTest, WhatEtcdSendsIsPrintedSafelyAndBounded) {
  health_.observe(alarmed({std::string("alarm:\x01\xff") + std::string(10000, 'x')}), t0_);
  EXPECT_THAT(health_.problem(), HasSubstr("alarm:\\x01\\xff"));
  EXPECT_LT(health_.problem().size(), 1000U);
}

TEST_F(EtcdHealthTest, UnreachableThenBackSaysForHowLong) {
  health_.observe(unreachable(), t0_);
  health_.observe(unreachable(), t0_ + std::chrono::seconds(3));  // still: no new event
  EXPECT_THAT(health_.problem(), HasSubstr("etcd unreachable: connection refused"));
  health_.observe(fine(), t0_ + std::chrono::seconds(7));
  EXPECT_EQ(health_.problem(), "");
  ASSERT_EQ(events_.size(), 2U);
  EXPECT_EQ(events_[0].kind, store::event_kind::kEtcdLost);
  EXPECT_EQ(events_[1].kind, store::event_kind::kEtcdRestored);
  EXPECT_THAT(events_[1].message, HasSubstr("after about 7s"));
}

}  // namespace
}  // namespace ninevolt::app
