// The rules of alert storm digests (alerts/storm.h): a failure counts toward its alerter's
// rate; above the threshold it goes into the current storm's digest; a check a storm carries
// stays in it (its next level, its recovery); digests gather, go out one at a time per
// storm, and are taken over when their sender is gone; the record stays bounded.
#include "alerts/storm.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "alerts/incident.h"

namespace ninevolt::alerts {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const common::SystemTime kT0{std::chrono::hours(1000)};
const StormLimits kLimits{.threshold = 3, .window = 60s, .gather = 10s};

std::string fail(StormRecord& r, const std::string& check, common::SystemTime at,
                 NotificationKind kind = NotificationKind::kCritical,
                 const std::string& digest_of = "") {
  return passStorm(r, {check, kind, digest_of}, at, kLimits);
}
std::string resolve(StormRecord& r, const std::string& check, const std::string& digest_of,
                    common::SystemTime at) {
  return passStorm(r, {check, NotificationKind::kResolve, digest_of}, at, kLimits);
}
auto never = [](int64_t, const StormOutbox&) { return false; };
// Storm numbers are at least the unix time in ms the storm started.
int64_t numberAt(common::SystemTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TEST(Storm, FailuresUpToTheThresholdGoOnTheirOwnThenIntoOneStormsDigest) {
  StormRecord r;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(fail(r, "c" + std::to_string(i), kT0 + std::chrono::seconds(i)), "") << i;
  }
  const int64_t n1 = numberAt(kT0 + 3s);
  const std::string s1 = std::to_string(n1);
  EXPECT_EQ(fail(r, "c3", kT0 + 3s), s1);
  EXPECT_EQ(fail(r, "c4", kT0 + 4s, NotificationKind::kWarning), s1);
  ASSERT_TRUE(r.storms.contains(n1));
  const Storm& s = r.storms.at(n1);
  EXPECT_EQ(s.open, 2);
  EXPECT_EQ(s.pending.critical, 1);
  EXPECT_EQ(s.pending.warning, 1);
  EXPECT_EQ(s.pending.first, kT0 + 3s);
  EXPECT_EQ(s.worst, "critical");
  EXPECT_THAT(s.pending.checks, ElementsAre(std::pair<std::string, std::string>{"c3", "critical"},
                                            std::pair<std::string, std::string>{"c4", "warning"}));
  EXPECT_EQ(r.last_storm, n1);
}

TEST(Storm, FailuresOlderThanTheWindowDoNotCount) {
  StormRecord r;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(fail(r, "c" + std::to_string(i), kT0), "");
  }
  // A window (and a slot: a twentieth of it) later, the rate is back to one.
  EXPECT_EQ(fail(r, "late", kT0 + 60s + 3s), "");
  EXPECT_TRUE(r.storms.empty());
  EXPECT_LE(r.recent.size(), 2U);
}

TEST(Storm, OffCountsNothingButAResolveStillGoesWhereItsFailureWent) {
  StormRecord r;
  for (int i = 0; i < 4; ++i) {
    fail(r, "c" + std::to_string(i), kT0);
  }
  const StormLimits off{.threshold = 0};
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(passStorm(r, {"x" + std::to_string(i), NotificationKind::kCritical, ""}, kT0, off),
              "");
  }
  const std::string s1 = std::to_string(r.last_storm);
  EXPECT_EQ(passStorm(r, {"c3", NotificationKind::kResolve, s1}, kT0 + 1s, off), s1);
  EXPECT_EQ(r.storms.at(r.last_storm).pending.recovered, 1);
}

TEST(Storm, ACheckInAStormStaysInItAndIsCountedOpenOnce) {
  StormRecord r;
  for (int i = 0; i < 4; ++i) {
    fail(r, "c" + std::to_string(i), kT0, NotificationKind::kWarning);
  }
  const int64_t n1 = r.last_storm;
  const std::string s1 = std::to_string(n1);
  ASSERT_EQ(r.storms.at(n1).open, 1);
  EXPECT_EQ(fail(r, "c3", kT0 + 1s, NotificationKind::kCritical, s1), s1);
  EXPECT_EQ(r.storms.at(n1).open, 1);
  EXPECT_EQ(r.storms.at(n1).worst, "critical");
  EXPECT_EQ(resolve(r, "c3", s1, kT0 + 2s), s1);
  EXPECT_EQ(r.storms.at(n1).open, 0);
  EXPECT_EQ(r.storms.at(n1).pending.recovered, 1);
  // A resolve of a failure sent on its own is sent on its own (PagerDuty keys it by check).
  EXPECT_FALSE(passesStorm({"c0", NotificationKind::kResolve, ""}));
  EXPECT_EQ(resolve(r, "c0", "", kT0 + 2s), "");
  // Its storm forgotten: on its own too.
  EXPECT_EQ(resolve(r, "gone", "7", kT0 + 2s), "");
  // Neither flapping notices nor follow-ups pass.
  EXPECT_FALSE(passesStorm({"c0", NotificationKind::kFlapping, ""}));
  EXPECT_FALSE(passesStorm({"c0", NotificationKind::kReminder, "1"}));
}

TEST(Storm, ACheckToldOnItsOwnStaysOnItsOwnButCounts) {
  StormRecord r;
  for (int i = 0; i < 5; ++i) {
    fail(r, "c" + std::to_string(i), kT0);
  }
  ASSERT_EQ(r.storms.size(), 1U);
  const int64_t open = r.storms.begin()->second.open;
  // Its warning went out on its own before the storm: its critical does too.
  EXPECT_EQ(passStorm(r, {"web", NotificationKind::kCritical, "", /*alone=*/true}, kT0, kLimits),
            "");
  EXPECT_EQ(r.storms.begin()->second.open, open);
  int64_t counted = 0;
  for (const auto& [slot, n] : r.recent) {
    counted += n;
  }
  EXPECT_EQ(counted, 6);
}

TEST(Storm, TimesAheadOfNowAreTakenAsNowAndTheRecordStaysBounded) {
  StormRecord r;
  const auto ahead = kT0 + std::chrono::hours(24 * 365);
  r.recent[numberAt(ahead)] = 1'000'000'000;  // a clock a year ahead, or written by hand
  r.last_storm = numberAt(ahead);
  Storm s;
  s.since = s.last = ahead;
  s.pending.first = ahead;
  s.pending.critical = 1;
  s.digests = StormRecord::kTop;  // cannot count on: never due, never claimed
  r.storms[r.last_storm] = s;
  // The rate of a year ahead does not count now.
  EXPECT_EQ(fail(r, "c0", kT0), "");
  pruneStorms(r, kT0, kLimits);
  EXPECT_EQ(r.storms.begin()->second.last, kT0);
  EXPECT_EQ(r.storms.begin()->second.pending.first, kT0);
  EXPECT_FALSE(nextDigestDue(r, kLimits));
  EXPECT_FALSE(claimDigest(r, kT0 + 1h, kLimits, "m1", never));
  // A week without a failure: gone, whatever it holds.
  pruneStorms(r, kT0 + std::chrono::hours(24 * 8), kLimits);
  EXPECT_TRUE(r.storms.empty());

  // However many slots a record held, one more failure keeps it within what a record may be.
  StormRecord full;
  for (size_t i = 0; i < StormRecord::kMaxSlots; ++i) {
    full.recent[numberAt(kT0) - static_cast<int64_t>(i)] = 1;
  }
  fail(full, "c1", kT0 + 1s);
  EXPECT_LE(full.recent.size(), StormRecord::kMaxSlots);
  EXPECT_TRUE(StormRecord::fromJson(full.toJson()));
}

TEST(Storm, ADigestGathersThenGoesOutOnceAndInOrder) {
  StormRecord r;
  for (int i = 0; i < 6; ++i) {
    fail(r, "c" + std::to_string(i), kT0 + std::chrono::seconds(i));
  }
  EXPECT_EQ(nextDigestDue(r, kLimits), kT0 + 3s + 10s);
  EXPECT_FALSE(claimDigest(r, kT0 + 12s, kLimits, "m1", never));
  auto claim = claimDigest(r, kT0 + 13s, kLimits, "m1", never);
  ASSERT_TRUE(claim);
  const int64_t n1 = r.last_storm;
  EXPECT_EQ(claim->storm, n1);
  EXPECT_EQ(claim->outbox.n, 1);
  EXPECT_EQ(claim->outbox.batch.critical, 3);
  EXPECT_EQ(claim->outbox.still_failing, 3);
  EXPECT_EQ(claim->outbox.by, "m1");
  EXPECT_TRUE(r.storms.at(n1).pending.empty());
  EXPECT_FALSE(nextDigestDue(r, kLimits));
  // More changes meanwhile wait for the outbox to be finished.
  EXPECT_EQ(resolve(r, "c3", std::to_string(n1), kT0 + 14s), std::to_string(n1));
  EXPECT_FALSE(claimDigest(r, kT0 + 30s, kLimits, "m2", never));
  EXPECT_TRUE(finishDigest(r, n1, 1));
  EXPECT_FALSE(finishDigest(r, n1, 1));  // once
  auto next = claimDigest(r, kT0 + 30s, kLimits, "m2", never);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->outbox.n, 2);
  EXPECT_EQ(next->outbox.batch.recovered, 1);
  EXPECT_EQ(next->outbox.still_failing, 2);
}

TEST(Storm, AnUnsentDigestIsTakenOverUnderItsNumber) {
  StormRecord r;
  for (int i = 0; i < 5; ++i) {
    fail(r, "c" + std::to_string(i), kT0);
  }
  ASSERT_TRUE(claimDigest(r, kT0 + 10s, kLimits, "dead", never));
  auto taken = claimDigest(r, kT0 + 20s, kLimits, "m2",
                           [](int64_t, const StormOutbox& o) { return o.by == "dead"; });
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->outbox.n, 1);
  EXPECT_EQ(taken->outbox.by, "m2");
  EXPECT_EQ(r.storms.at(taken->storm).outbox->by, "m2");
  EXPECT_EQ(r.storms.at(taken->storm).digests, 1);
}

TEST(Storm, AQuietWindowEndsAStormAndTheNextFailuresStartAnother) {
  StormRecord r;
  for (int i = 0; i < 4; ++i) {
    fail(r, "c" + std::to_string(i), kT0);
  }
  auto claim = claimDigest(r, kT0 + 10s, kLimits, "m1", never);
  ASSERT_TRUE(claim);
  const int64_t n1 = claim->storm;
  finishDigest(r, n1, 1);
  resolve(r, "c3", std::to_string(n1), kT0 + 20s);
  claimDigest(r, kT0 + 30s, kLimits, "m1", never);
  finishDigest(r, n1, 2);
  // Everything it carried recovered, and a window passed: it is over and forgotten.
  pruneStorms(r, kT0 + 100s, kLimits);
  EXPECT_TRUE(r.storms.empty());
  EXPECT_TRUE(emptyRecord(r));
  for (int i = 0; i < 4; ++i) {
    fail(r, "d" + std::to_string(i), kT0 + 200s);
  }
  // A new number, though the record was forgotten meanwhile: digest ids never repeat.
  EXPECT_TRUE(r.storms.contains(numberAt(kT0 + 200s)));
  EXPECT_GT(numberAt(kT0 + 200s), n1);
}

TEST(Storm, ABatchNamesTheFirstChecksAndCountsTheRest) {
  StormRecord r;
  for (int i = 0; i < 203; ++i) {
    fail(r, "c" + std::to_string(i), kT0);
  }
  const auto& p = r.storms.at(r.last_storm).pending;
  EXPECT_EQ(p.critical, 200);
  EXPECT_EQ(p.checks.size(), StormBatch::kMaxNamed);
  EXPECT_EQ(p.more, 200 - static_cast<int64_t>(StormBatch::kMaxNamed));
  // However many failures, the rate is a bounded set of slots.
  EXPECT_LE(r.recent.size(), 21U);
}

TEST(Storm, StormsAreCappedAndNoneWithADigestToSendIsForgotten) {
  StormRecord r;
  for (int s = 0; s < 16; ++s) {
    const auto at = kT0 + std::chrono::minutes(2 * s);
    for (int i = 0; i < 4; ++i) {
      fail(r, fmt::format("s{}c{}", s, i), at);
    }
  }
  ASSERT_EQ(r.storms.size(), 16U);
  // Every storm still has a pending digest: a 17th storm's failure goes on its own.
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(fail(r, fmt::format("new{}", i), kT0 + 40min), "") << i;
  }
  EXPECT_EQ(r.storms.size(), 16U);
}

TEST(Storm, TheRecordSurvivesJsonAndRefusesWhatIsNotOne) {
  StormRecord r;
  for (int i = 0; i < 5; ++i) {
    fail(r, "c" + std::to_string(i), kT0);
  }
  claimDigest(r, kT0 + 10s, kLimits, "m1", never);
  const std::string s1 = std::to_string(r.last_storm);
  resolve(r, "c4", s1, kT0 + 11s);
  auto back = StormRecord::fromJson(r.toJson());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->toJson(), r.toJson());
  for (const char* bad : {
           R"({"recent":{},"last-storm":0,"storms":{"1":{}}})",
           R"({"recent":{"x":1},"last-storm":0,"storms":{}})",
           R"({"recent":{"1":-1},"last-storm":0,"storms":{}})",
           R"({"recent":[],"last-storm":0,"storms":{}})",
           R"({"recent":{},"last-storm":-5,"storms":{}})",
           R"({"recent":{},"last-storm":99999999999999999999,"storms":{}})",
           R"([1,2])",
           "",
           "\xff\xfe",
       }) {
    EXPECT_FALSE(store::decodeStormRecord(bad)) << bad;
  }
  auto j = r.toJson();
  j["storms"][s1]["pending"]["checks"] = {{"../etc", "critical"}};
  EXPECT_FALSE(StormRecord::fromJson(j));
  j = r.toJson();
  j["storms"][s1]["pending"]["critical"] = std::numeric_limits<int64_t>::max();
  EXPECT_FALSE(StormRecord::fromJson(j));
  j = r.toJson();
  j["storms"][s1]["outbox"]["by"] = "not a member";
  EXPECT_FALSE(StormRecord::fromJson(j));
}

TEST(Storm, ADigestSaysHowManyFailedAndRecoveredAndWhoIsStillFailing) {
  StormRecord r;
  for (int i = 0; i < 40; ++i) {
    fail(r, "c" + std::to_string(i), kT0,
         i % 2 == 0 ? NotificationKind::kCritical : NotificationKind::kWarning);
  }
  auto claim = claimDigest(r, kT0 + 10s, kLimits, "m1", never);
  ASSERT_TRUE(claim);
  auto n = digestNotification("ops", *claim, kLimits, "m1", "https://9v.example/", kT0 + 10s);
  EXPECT_EQ(n.kind, NotificationKind::kDigest);
  const std::string s1 = std::to_string(claim->storm);
  EXPECT_EQ(n.check, "storm/ops/" + s1);
  EXPECT_EQ(n.transition_id, "storm/ops/" + s1 + "/1");
  EXPECT_EQ(n.status, "critical");
  EXPECT_EQ(n.title, "Alert storm: 37 checks failing");
  EXPECT_THAT(n.text, HasSubstr("37 state changes in this digest: 18 critical, 19 warning."));
  EXPECT_THAT(n.text, HasSubstr("c3 (warning), c4 (critical)"));
  EXPECT_THAT(n.text, HasSubstr("and 12 more"));
  EXPECT_THAT(n.text, HasSubstr("more than 3 checks fail within 1m"));
  EXPECT_EQ(n.link, "https://9v.example/ui/#/checks?status=critical%2Cwarning");
  ASSERT_TRUE(n.storm);
  EXPECT_EQ(n.storm->still_failing, 37);
  EXPECT_EQ(n.storm->checks.size(), StormBatch::kMaxNamed);
  finishDigest(r, claim->storm, 1);
  for (int i = 3; i < 40; ++i) {
    resolve(r, "c" + std::to_string(i), s1, kT0 + 20s);
  }
  auto over = claimDigest(r, kT0 + 30s, kLimits, "m1", never);
  ASSERT_TRUE(over);
  auto end = digestNotification("ops", *over, kLimits, "m1", "", kT0 + 30s);
  EXPECT_EQ(end.status, "ok");
  EXPECT_EQ(end.title, "Alert storm over: every check in it recovered");
  EXPECT_EQ(end.transition_id, "storm/ops/" + s1 + "/2");
  EXPECT_THAT(end.text, HasSubstr("37 state changes in this digest: 37 recovered."));
  EXPECT_EQ(end.link, "");
}

}  // namespace
}  // namespace ninevolt::alerts
